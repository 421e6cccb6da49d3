#include "hw/detect.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "base/cpu_features.h"
#include "base/mem_bandwidth.h"
#include "base/thread_pool.h"

namespace hearth {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Calls fn(key, value) for each "key : value" line.
template <typename Fn>
void ForEachField(std::string_view text, Fn fn) {
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) fn(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
}

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> FeatureList(const CpuFeatures& f) {
  std::vector<std::string> out;
  std::istringstream words(f.Describe());
  for (std::string w; words >> w;) {
    if (w != "scalar") out.push_back(w);
  }
  return out;
}

// Runs argv[0] from PATH with no shell; returns its stdout if it exits 0 within `timeout`.
// A missing program, a non-zero exit or a timeout (the child is killed) all give an error.
Result<std::string> RunProgram(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  // Everything the child needs is built before fork: only async-signal-safe calls after it.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return IoError("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return IoError("fork failed");
  }
  if (pid == 0) {
    setpgid(0, 0);  // its own group, so a timeout kills whatever it started too
    dup2(fds[1], STDOUT_FILENO);
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDERR_FILENO);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{.fd = fds[0], .events = POLLIN, .revents = 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    if (out.size() < (1u << 20)) out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out) return Status(StatusCode::kUnavailable, argv[0] + " timed out");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return Status(StatusCode::kUnavailable, argv[0] + " failed or is not installed");
  return out;
}

}  // namespace

CpuInfo ParseCpuInfo(std::string_view text) {
  CpuInfo info;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical_id, board;
  ForEachField(text, [&](std::string_view key, std::string_view value) {
    if (key == "processor") {
      ++info.logical_cores;
    } else if (key == "model name" && info.model.empty()) {
      info.model = value;
    } else if (key == "Model") {  // ARM boards (Raspberry Pi) name the board instead
      board = value;
    } else if (key == "physical id") {
      physical_id = value;
    } else if (key == "core id") {
      cores.emplace(physical_id, value);
    }
  });
  if (info.model.empty()) info.model = board;
  info.physical_cores = cores.empty() ? info.logical_cores : static_cast<int>(cores.size());
  return info;
}

Status ParseMemInfo(std::string_view text, HardwareInfo& hw) {
  bool total = false, available = false;
  ForEachField(text, [&](std::string_view key, std::string_view value) {
    // "MemTotal:       24567890 kB"
    const uint64_t kib = std::strtoull(std::string(value).c_str(), nullptr, 10);
    if (key == "MemTotal") {
      hw.ram_total = kib * 1024;
      total = true;
    } else if (key == "MemAvailable") {
      hw.ram_available = kib * 1024;
      available = true;
    }
  });
  if (!total || !available) return CorruptFile("/proc/meminfo has no MemTotal or MemAvailable line");
  return Status::Ok();
}

Result<std::vector<GpuInfo>> ParseNvidiaSmi(std::string_view text) {
  std::vector<GpuInfo> gpus;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = Trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty()) continue;
    // The name may itself hold commas, so the two numbers are taken from the right.
    const size_t c2 = line.rfind(',');
    const size_t c1 = c2 == std::string_view::npos || c2 == 0 ? std::string_view::npos : line.rfind(',', c2 - 1);
    if (c1 == std::string_view::npos) return CorruptFile("nvidia-smi line '" + std::string(line) + "': expected name, total, free");
    const std::string total(Trim(line.substr(c1 + 1, c2 - c1 - 1))), free(Trim(line.substr(c2 + 1)));
    char* end_total = nullptr;
    char* end_free = nullptr;
    const double t = std::strtod(total.c_str(), &end_total), f = std::strtod(free.c_str(), &end_free);
    if (total.empty() || free.empty() || *end_total != '\0' || *end_free != '\0' || t <= 0 || f < 0 || f > t) {
      return CorruptFile("nvidia-smi line '" + std::string(line) + "': memory is not a number of MiB");
    }
    gpus.push_back({std::string(Trim(line.substr(0, c1))), static_cast<uint64_t>(t * 1048576),
                    static_cast<uint64_t>(f * 1048576)});
  }
  return gpus;
}

Result<HardwareInfo> DetectHardware(const DetectOptions& options) {
  HardwareInfo hw;
  hw.label = "detected";
  const CpuInfo cpu = ParseCpuInfo(ReadFile("/proc/cpuinfo"));
  hw.cpu_model = cpu.model.empty() ? "unknown CPU" : cpu.model;
  hw.logical_cores = cpu.logical_cores > 0 ? cpu.logical_cores : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  hw.physical_cores = cpu.physical_cores > 0 ? cpu.physical_cores : hw.logical_cores;
  hw.cpu_features = FeatureList(GetCpuFeatures());
  HEARTH_RETURN_IF_ERROR(ParseMemInfo(ReadFile("/proc/meminfo"), hw));
  Result<std::string> smi = RunProgram(
      {"nvidia-smi", "--query-gpu=name,memory.total,memory.free", "--format=csv,noheader,nounits"},
      std::chrono::seconds(5));
  if (smi) {
    Result<std::vector<GpuInfo>> gpus = ParseNvidiaSmi(*smi);
    if (gpus) hw.gpus = std::move(gpus).value();
  }
  if (options.measure_bandwidth) {
    ThreadPool pool(hw.physical_cores);
    Result<BandwidthResult> bw = MeasureReadBandwidth(pool, 256u << 20, 3);
    if (bw) hw.memory_bandwidth_gbs = bw->best_gbs;
  }
  return hw;
}

}  // namespace hearth
