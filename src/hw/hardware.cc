#include "hw/hardware.h"

#include <fstream>
#include <sstream>

namespace hearth {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

uint64_t ToMiB(uint64_t bytes) { return bytes / kMiB; }

// Reads an optional non-negative number at `key` of object `j`; `where` names the object in errors.
Result<double> Number(const nlohmann::json& j, const char* key, const std::string& where, bool required) {
  if (!j.contains(key)) {
    if (required) return InvalidArgument(where + "." + key + " is required");
    return 0.0;
  }
  const nlohmann::json& v = j.at(key);
  if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1e12) {
    return InvalidArgument(where + "." + key + " must be a number between 0 and 1e12");
  }
  return v.get<double>();
}

Result<std::string> String(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) return std::string();
  if (!j.at(key).is_string()) return InvalidArgument(where + "." + key + " must be a string");
  return j.at(key).get<std::string>();
}

Result<const nlohmann::json*> Object(const nlohmann::json& j, const char* key, bool required) {
  if (!j.contains(key)) {
    if (required) return InvalidArgument(std::string(key) + " is required");
    return nullptr;
  }
  if (!j.at(key).is_object()) return InvalidArgument(std::string(key) + " must be an object");
  return &j.at(key);
}

}  // namespace

nlohmann::ordered_json HardwareToJson(const HardwareInfo& hw) {
  nlohmann::ordered_json j;
  j["label"] = hw.label;
  j["cpu"] = {{"model", hw.cpu_model}, {"features", hw.cpu_features}, {"physical_cores", hw.physical_cores},
              {"logical_cores", hw.logical_cores}};
  j["ram"] = {{"total_mib", ToMiB(hw.ram_total)}, {"available_mib", ToMiB(hw.ram_available)}};
  j["memory_bandwidth_gbs"] = hw.memory_bandwidth_gbs;
  nlohmann::ordered_json gpus = nlohmann::ordered_json::array();
  for (const GpuInfo& g : hw.gpus) {
    gpus.push_back({{"name", g.name}, {"memory_total_mib", ToMiB(g.memory_total)},
                    {"memory_free_mib", ToMiB(g.memory_free)}});
  }
  j["gpus"] = gpus;
  return j;
}

Result<HardwareInfo> HardwareFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgument("hardware description must be a JSON object");
  HardwareInfo hw;
  HEARTH_ASSIGN_OR_RETURN(hw.label, String(j, "label", "hardware"));
  HEARTH_ASSIGN_OR_RETURN(const nlohmann::json* cpu, Object(j, "cpu", false));
  if (cpu != nullptr) {
    HEARTH_ASSIGN_OR_RETURN(hw.cpu_model, String(*cpu, "model", "cpu"));
    if (cpu->contains("features")) {
      const nlohmann::json& f = cpu->at("features");
      if (!f.is_array()) return InvalidArgument("cpu.features must be an array of strings");
      for (const nlohmann::json& s : f) {
        if (!s.is_string()) return InvalidArgument("cpu.features must be an array of strings");
        hw.cpu_features.push_back(s.get<std::string>());
      }
    }
    HEARTH_ASSIGN_OR_RETURN(double physical, Number(*cpu, "physical_cores", "cpu", false));
    HEARTH_ASSIGN_OR_RETURN(double logical, Number(*cpu, "logical_cores", "cpu", false));
    if (physical > 65536 || logical > 65536) return InvalidArgument("cpu core counts must be at most 65536");
    hw.physical_cores = static_cast<int>(physical);
    hw.logical_cores = static_cast<int>(logical);
  }
  HEARTH_ASSIGN_OR_RETURN(const nlohmann::json* ram, Object(j, "ram", true));
  HEARTH_ASSIGN_OR_RETURN(double total, Number(*ram, "total_mib", "ram", true));
  HEARTH_ASSIGN_OR_RETURN(double available, Number(*ram, "available_mib", "ram", true));
  if (total <= 0) return InvalidArgument("ram.total_mib must be positive");
  if (available > total) return InvalidArgument("ram.available_mib exceeds ram.total_mib");
  hw.ram_total = static_cast<uint64_t>(total * kMiB);
  hw.ram_available = static_cast<uint64_t>(available * kMiB);
  HEARTH_ASSIGN_OR_RETURN(hw.memory_bandwidth_gbs, Number(j, "memory_bandwidth_gbs", "hardware", false));
  if (j.contains("gpus")) {
    const nlohmann::json& gpus = j.at("gpus");
    if (!gpus.is_array()) return InvalidArgument("gpus must be an array");
    for (size_t i = 0; i < gpus.size(); ++i) {
      const std::string where = "gpus[" + std::to_string(i) + "]";
      if (!gpus[i].is_object()) return InvalidArgument(where + " must be an object");
      GpuInfo g;
      HEARTH_ASSIGN_OR_RETURN(g.name, String(gpus[i], "name", where));
      HEARTH_ASSIGN_OR_RETURN(double gt, Number(gpus[i], "memory_total_mib", where, true));
      HEARTH_ASSIGN_OR_RETURN(double gf, Number(gpus[i], "memory_free_mib", where, false));
      if (!gpus[i].contains("memory_free_mib")) gf = gt;
      if (gf > gt) return InvalidArgument(where + ".memory_free_mib exceeds memory_total_mib");
      g.memory_total = static_cast<uint64_t>(gt * kMiB);
      g.memory_free = static_cast<uint64_t>(gf * kMiB);
      hw.gpus.push_back(std::move(g));
    }
  }
  return hw;
}

Result<HardwareInfo> LoadHardwareFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot open hardware description " + path);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) return InvalidArgument(path + ": not valid JSON");
  Result<HardwareInfo> hw = HardwareFromJson(j);
  if (!hw) return hw.error().WithContext(path);
  return hw;
}

}  // namespace hearth
