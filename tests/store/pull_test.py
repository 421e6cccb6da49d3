#!/usr/bin/env python3
"""`hearth pull/list/show/cp/rm/create` against a fake Hugging Face Hub on loopback.

The fake Hub (127.0.0.1) answers /api/models/ORG/REPO with siblings + LFS sha256 and redirects
/ORG/REPO/resolve/REV/FILE (302) to a "CDN" on another host name (localhost) that serves the
bytes with ETag, X-Linked-Etag, Content-Length and Range support. Knobs per file make it drop
the connection, throttle, or lie about the checksum.

    pull_test.py HEARTH WORKDIR VOCAB
"""
import hashlib
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HEARTH, WORK, VOCAB = sys.argv[1], sys.argv[2], sys.argv[3]
TOKEN = "hf_" + "x" * 34
COMMIT = "0123456789abcdef0123456789abcdef01234567"
failures = []


def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else f"\n     {detail}"))
    if not cond:
        failures.append(what)


class Hub:
    def __init__(self):
        self.repos = {}        # "org/repo" -> {path: bytes}
        self.fake_sha = {}     # (repo, path) -> sha the listing claims instead of the real one
        self.private = set()   # repos that need the token
        self.drop_once = set() # (repo, path): the next CDN GET stops half way
        self.busy_once = set() # API paths answered 503 + Retry-After once
        self.delay = 0.0       # seconds per 1 MiB chunk on the CDN
        self.log = []          # (host, method, path, headers dict)
        self.sent = 0          # CDN body bytes sent
        self.lock = threading.Lock()

    def reset_log(self):
        with self.lock:
            self.log, self.sent = [], 0


hub = Hub()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.handle_any(head=True)

    def do_GET(self):
        self.handle_any(head=False)

    def reply(self, status, body=b"", headers=None, head=False):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def handle_any(self, head):
        host = self.headers.get("Host", "").split(":")[0]
        with hub.lock:
            hub.log.append((host, self.command, self.path, dict(self.headers)))
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        if host == "localhost" and parts[0] == "cdn":
            return self.serve_cdn("/".join(parts[1:3]), "/".join(parts[3:]), head)
        if host != "127.0.0.1":
            return self.reply(421, b"wrong host")
        if parts[:2] == ["api", "models"] and len(parts) == 4:
            repo = "/".join(parts[2:4])
            if repo in hub.busy_once:
                hub.busy_once.discard(repo)
                return self.reply(503, b"busy", {"Retry-After": "1"})
            if not self.authorized(repo):
                return self.reply(401, b'{"error":"Invalid credentials"}', {"X-Error-Code": "GatedRepo"})
            files = hub.repos.get(repo)
            if files is None:
                return self.reply(404, b'{"error":"Repository not found"}', {"X-Error-Code": "RepoNotFound"})
            siblings = [{"rfilename": p, "size": len(b),
                         "lfs": {"sha256": self.sha(repo, p), "size": len(b), "pointerSize": 134}}
                        for p, b in files.items()]
            siblings.append({"rfilename": "README.md"})
            return self.reply(200, json.dumps({"id": repo, "sha": COMMIT, "siblings": siblings}).encode())
        if len(parts) >= 5 and parts[2] == "resolve":
            repo, file = "/".join(parts[:2]), "/".join(parts[4:])
            if not self.authorized(repo):
                return self.reply(401, b"", {"X-Error-Code": "GatedRepo"}, head)
            if file not in hub.repos.get(repo, {}):
                return self.reply(404, b"", {"X-Error-Code": "EntryNotFound"}, head)
            port = self.server.server_address[1]
            return self.reply(302, b"", {"Location": f"http://localhost:{port}/cdn/{repo}/{file}",
                                         "X-Linked-Etag": f'"{self.sha(repo, file)}"',
                                         "X-Linked-Size": str(len(hub.repos[repo][file])),
                                         "X-Repo-Commit": COMMIT}, head)
        self.reply(404, b"no route")

    def authorized(self, repo):
        return repo not in hub.private or self.headers.get("Authorization") == "Bearer " + TOKEN

    def sha(self, repo, path):
        return hub.fake_sha.get((repo, path)) or hashlib.sha256(hub.repos[repo][path]).hexdigest()

    def serve_cdn(self, repo, file, head):
        data = hub.repos.get(repo, {}).get(file)
        if data is None:
            return self.reply(404, b"", head=head)
        start, status = 0, 200
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            if start >= len(data):
                return self.reply(416, b"", {"Content-Range": f"bytes */{len(data)}"}, head)
            status = 206
        self.send_response(status)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        self.send_header("X-Linked-Etag", f'"{hashlib.sha256(data).hexdigest()}"')
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if head:
            return
        stop = len(data)
        if (repo, file) in hub.drop_once:
            hub.drop_once.discard((repo, file))
            stop = start + (len(data) - start) // 2
        chunk = 1 << 20
        try:
            for off in range(start, stop, chunk):
                piece = data[off:min(off + chunk, stop)]
                self.wfile.write(piece)
                with hub.lock:
                    hub.sent += len(piece)
                if hub.delay:
                    time.sleep(hub.delay)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
PORT = server.server_address[1]

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
MODEL = os.path.join(WORK, "tiny.gguf")
# Two thin layers: ~25 MB, most of it the real vocabulary, so every pull below stays quick.
subprocess.run([HEARTH, "make-test-model", "--preset", "dense-tiny", "--type", "q4_0", "--layers", "2", "--embd", "64",
                "--ff", "64", "--vocab", VOCAB, "--out", MODEL], check=True, stdout=subprocess.DEVNULL)
BYTES = open(MODEL, "rb").read()
SHA = hashlib.sha256(BYTES).hexdigest()
PROJ = b"not really a projector" * 100
hub.repos["org/tiny-GGUF"] = {"tiny-Q8_0.gguf": BYTES, "mmproj-tiny-F16.gguf": PROJ, "tiny-F16.gguf": b"x" * 10}
hub.repos["org/private-GGUF"] = {"p-Q4_K_M.gguf": BYTES}
hub.private.add("org/private-GGUF")
hub.repos["org/bad-GGUF"] = {"bad-Q4_K_M.gguf": BYTES}
hub.fake_sha[("org/bad-GGUF", "bad-Q4_K_M.gguf")] = hashlib.sha256(b"something else").hexdigest()
# The gemma4 aliases point at ggml-org repos; the fake Hub serves the tiny model under them.
for size in ("E2B", "E4B", "26B-A4B", "31B"):
    hub.repos[f"ggml-org/gemma-4-{size}-it-GGUF"] = {f"gemma-4-{size}-it-Q4_K_M.gguf": BYTES}


def env_for(store, **extra):
    env = dict(os.environ)
    for k in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_CACHE", "XDG_CACHE_HOME", "http_proxy", "HTTP_PROXY",
              "all_proxy", "ALL_PROXY"):
        env.pop(k, None)
    env.update({"HEARTH_MODELS": store, "HF_ENDPOINT": f"http://127.0.0.1:{PORT}",
                "HF_HOME": os.path.join(WORK, "hf-home-empty"), "HOME": os.path.join(WORK, "home"),
                "NO_PROXY": "*"})
    env.update(extra)
    return env


def hearth(store, *args, preexec_fn=None, **extra):
    return subprocess.run([HEARTH, *args], env=env_for(store, **extra), capture_output=True, text=True, timeout=50,
                          preexec_fn=preexec_fn)


def store_files(store):
    out = set()
    for d, _, files in os.walk(store):
        if os.path.basename(d) == "locks":
            continue
        out.update(os.path.relpath(os.path.join(d, f), store) for f in files)
    return out


def blob(store, sha):
    return os.path.join(store, "blobs", "sha256-" + sha)


def sha_of(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


NAME = "hf.co/org/tiny-GGUF"

# 1. A good pull, then list/show; the token goes to the Hub only, never to the CDN host.
S1 = os.path.join(WORK, "s1")
hub.reset_log()
r = hearth(S1, "pull", NAME, HF_TOKEN=TOKEN)
check(r.returncode == 0, "good pull succeeds", r.stderr)
check(os.path.isfile(blob(S1, SHA)) and sha_of(blob(S1, SHA)) == SHA, "blob stored under its sha256")
check(not any("partial" in f for f in store_files(S1)), "no partial file left")
cdn = [h for (host, m, p, h) in hub.log if host == "localhost"]
api = [h for (host, m, p, h) in hub.log if host == "127.0.0.1"]
check(len(cdn) == 1 and "Authorization" not in cdn[0], "no Authorization header sent to the CDN host", str(cdn))
check(api and all(h.get("Authorization") == "Bearer " + TOKEN for h in api), "token sent to the Hub")
r = hearth(S1, "list")
check(r.returncode == 0 and "hf.co/org/tiny-gguf:latest" in r.stdout and f"{round(len(BYTES) / 1e6)} MB" in r.stdout,
      "list shows the model and its size", r.stdout + r.stderr)
r = hearth(S1, "show", NAME)
check(r.returncode == 0 and "gemma4" in r.stdout and "layers          2\n" in r.stdout, "show NAME describes the blob",
      r.stdout + r.stderr)
manifest = json.load(open(os.path.join(S1, "manifests/hf.co/org/tiny-gguf/latest")))
check([l["digest"] for l in manifest["layers"]] == ["sha256:" + SHA], "manifest names the model layer", manifest)
config = json.load(open(blob(S1, manifest["config"]["digest"][7:])))
check(config.get("file") == "tiny-Q8_0.gguf" and config.get("file_type") == "Q8_0", "Q8_0 chosen when no Q4_K_M")
check(config.get("projector", {}).get("file") == "mmproj-tiny-F16.gguf" and
      config["projector"].get("sha256") == hashlib.sha256(PROJ).hexdigest(), "mmproj sibling noted in the config")
r = hearth(S1, "pull", NAME + ":q8_0")
check(r.returncode == 0 and os.path.isfile(os.path.join(S1, "manifests/hf.co/org/tiny-gguf/q8_0")),
      "quant tag matched case-insensitively", r.stderr)

# 2. Unknown quant: the error lists what exists.
r = hearth(S1, "pull", NAME + ":Q2_K")
check(r.returncode != 0 and "Q2_K" in r.stderr and "Q8_0" in r.stderr and "F16" in r.stderr,
      "unknown quant lists the quants present", r.stderr)

# 3. 401 mentions HF_TOKEN; the token makes it work.
S3 = os.path.join(WORK, "s3")
r = hearth(S3, "pull", "hf.co/org/private-GGUF")
check(r.returncode != 0 and "HF_TOKEN" in r.stderr and "401" in r.stderr, "401 names HF_TOKEN", r.stderr)
r = hearth(S3, "pull", "hf.co/org/private-GGUF", HF_TOKEN=TOKEN)
check(r.returncode == 0, "private repo pulls with HF_TOKEN", r.stderr)

# 4. Dropped connection: the next pull resumes with Range and ends with the right bytes.
S4 = os.path.join(WORK, "s4")
hub.drop_once.add(("org/tiny-GGUF", "tiny-Q8_0.gguf"))
r = hearth(S4, "pull", NAME)
partial = blob(S4, SHA) + "-partial"
check(r.returncode != 0 and "resume" in r.stderr, "dropped transfer fails with a resume hint", r.stderr)
check(os.path.isfile(partial) and 0 < os.path.getsize(partial) < len(BYTES), "partial file kept")
check("tiny-gguf" not in hearth(S4, "list").stdout, "interrupted model not listed")
have = os.path.getsize(partial)
hub.reset_log()
r = hearth(S4, "pull", NAME)
ranges = [h.get("Range") for (host, m, p, h) in hub.log if host == "localhost"]
check(r.returncode == 0, "second pull completes", r.stderr)
check(ranges == [f"bytes={have}-"], "second pull asked for the rest with Range", str(ranges))
check(hub.sent == len(BYTES) - have, "only the missing bytes were sent", f"{hub.sent} vs {len(BYTES) - have}")
check(os.path.isfile(blob(S4, SHA)) and sha_of(blob(S4, SHA)) == SHA, "resumed blob has the right sha256")

# 5. Wrong checksum: rejected, store unchanged.
before = store_files(S4)
r = hearth(S4, "pull", "hf.co/org/bad-GGUF")
check(r.returncode != 0 and "sha256" in r.stderr, "checksum mismatch rejected", r.stderr)
check(store_files(S4) == before, "store unchanged after a bad checksum", str(store_files(S4) ^ before))

# 6. Two pulls of the same model at once: one good copy, fetched once.
S6 = os.path.join(WORK, "s6")
hub.reset_log()
hub.delay = 0.03
procs = [subprocess.Popen([HEARTH, "pull", NAME], env=env_for(S6), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) for _ in range(2)]
outs = [p.communicate(timeout=50) for p in procs]
hub.delay = 0
check(all(p.returncode == 0 for p in procs), "both concurrent pulls succeed", str(outs))
blobs = [f for f in os.listdir(os.path.join(S6, "blobs")) if not f.startswith(".")]
check(sorted(blobs) == sorted(["sha256-" + SHA, "sha256-" + manifest["config"]["digest"][7:]]),
      "one model blob, no partials", str(blobs))
check(sha_of(blob(S6, SHA)) == SHA, "concurrent result has the right sha256")
check(sum(1 for (host, m, p, h) in hub.log if host == "localhost") == 1, "the file was downloaded once")

# 7. SIGKILL mid-download: the store stays valid, the model is not visible, a new pull finishes it.
S7 = os.path.join(WORK, "s7")
hub.reset_log()
hub.delay = 0.1
p = subprocess.Popen([HEARTH, "pull", NAME], env=env_for(S7), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.time() + 20
while hub.sent < 4 << 20 and time.time() < deadline:
    time.sleep(0.05)
p.send_signal(signal.SIGKILL)
p.wait()
hub.delay = 0
r = hearth(S7, "list")
check(r.returncode == 0 and "tiny" not in r.stdout, "list works after SIGKILL and shows no half model", r.stdout + r.stderr)
check(not os.path.exists(blob(S7, SHA)), "no blob under its final name after SIGKILL")
check(hearth(S7, "show", NAME).returncode != 0, "killed pull is not a model")
r = hearth(S7, "pull", NAME)
check(r.returncode == 0 and sha_of(blob(S7, SHA)) == SHA, "pull after SIGKILL completes", r.stderr)

# 8. A file already in the HF cache is reused, not downloaded.
S8 = os.path.join(WORK, "s8")
hf_home = os.path.join(WORK, "hf-home")
os.makedirs(os.path.join(hf_home, "hub/models--org--tiny-GGUF/blobs"))
shutil.copy(MODEL, os.path.join(hf_home, "hub/models--org--tiny-GGUF/blobs", SHA))
hub.reset_log()
r = hearth(S8, "pull", NAME, HF_HOME=hf_home)
check(r.returncode == 0 and sha_of(blob(S8, SHA)) == SHA, "pull reuses the HF cache copy", r.stderr)
check(not any(host == "localhost" for (host, m, p, h) in hub.log), "no download when the HF cache has the file")

# 9. Offline: the message names the host.
r = hearth(os.path.join(WORK, "s9"), "pull", NAME, HF_ENDPOINT="http://127.0.0.1:1")
check(r.returncode != 0 and "cannot reach 127.0.0.1:1" in r.stderr, "offline error names the host", r.stderr)

# 9b. A 503 with Retry-After is retried.
hub.reset_log()
hub.busy_once.add("org/tiny-GGUF")
t0 = time.time()
r = hearth(os.path.join(WORK, "s9b"), "pull", NAME)
api_calls = [p for (host, m, p, h) in hub.log if p.startswith("/api/")]
check(r.returncode == 0 and len(api_calls) == 2 and time.time() - t0 >= 1, "503 + Retry-After retried", r.stderr)

# 10. cp and rm: blobs are shared, then freed with the last name.
r = hearth(S1, "cp", NAME, "mine:v1")
check(r.returncode == 0 and "copied" in r.stdout, "cp succeeds", r.stderr)
check(hearth(S1, "show", "mine:v1").returncode == 0, "copy resolves to the blob")
hearth(S1, "rm", NAME + ":q8_0")
r = hearth(S1, "rm", NAME)
check(r.returncode == 0 and "deleted 'hf.co/org/tiny-GGUF:latest'" in r.stdout, "rm prints what it deleted",
      r.stdout + r.stderr)
check(os.path.isfile(blob(S1, SHA)), "blob kept while a copy uses it")
r = hearth(S1, "rm", "mine:v1")
check(r.returncode == 0 and not os.path.exists(blob(S1, SHA)), "last rm frees the blob")
r = hearth(S1, "rm", "mine:v1")
check(r.returncode != 0 and "not found" in r.stderr, "rm of a missing model fails", r.stderr)
check(hearth(S1, "list").stdout.strip().splitlines()[1:] == [], "list is empty at the end")

# 11. Names that try to leave the store are refused before anything is written.
for args in (["pull", "../../etc/passwd"], ["cp", "mine:v1", "../../etc/passwd"], ["rm", "../../etc/passwd"],
             ["create", "../../etc/passwd", "--from", MODEL], ["show", "/x/../../etc/passwd"]):
    r = hearth(S1, *args)
    check(r.returncode != 0 and ("invalid model name" in r.stderr or "No such file" in r.stderr),
          f"refused: {' '.join(args[:1])} ../../etc/passwd", r.stderr)
check(not os.path.exists(os.path.join(S1, "etc")) and not os.path.exists(os.path.join(WORK, "etc")),
      "nothing written outside the store")

# 12. create: --from FILE, a Modelfile with every instruction, FROM another name, a non-GGUF file.
S12 = os.path.join(WORK, "s12")
r = hearth(S12, "create", "tiny", "--from", MODEL)
check(r.returncode == 0 and hearth(S12, "show", "tiny").returncode == 0, "create --from FILE", r.stderr)
r = hearth(S12, "run", "tiny", "hi", "--num-predict", "3", "--seed", "1")
check(r.returncode == 0, "run NAME chats with the store model", r.stderr)
# serve NAME: the store model answers over HTTP under its name.
with socket.socket() as sock:
    sock.bind(("127.0.0.1", 0))
    serve_port = sock.getsockname()[1]
srv = subprocess.Popen([HEARTH, "serve", "--model", "tiny", "--host", f"127.0.0.1:{serve_port}"],
                       env=env_for(S12), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
tags = None
for _ in range(100):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{serve_port}/api/tags", timeout=2) as resp:
            tags = json.load(resp)
        break
    except OSError:
        time.sleep(0.2)
srv.send_signal(signal.SIGTERM)
srv.wait(timeout=20)
check(tags is not None and [m["name"] for m in tags["models"]] == ["tiny:latest"], "serve NAME lists the store model",
      str(tags))
r = hearth(S12, "run", "nothere:v1", "hi")
check(r.returncode != 0 and "'nothere:v1' not found" in r.stderr and "hearth pull" in r.stderr,
      "run of an unknown name points at pull", r.stderr)
mf_dir = os.path.join(WORK, "mf")
os.makedirs(mf_dir)
shutil.copy(MODEL, os.path.join(mf_dir, "tiny.gguf"))
with open(os.path.join(mf_dir, "Modelfile"), "w") as f:
    f.write('FROM ./tiny.gguf\nPARAMETER temperature 0.5\nPARAMETER stop "<turn|>"\n'
            'SYSTEM """Be brief.\nVery."""\nMESSAGE user hi\nMESSAGE assistant hello\nADAPTER ./tiny.gguf\n')
r = hearth(S12, "create", "tiny:chat", "-f", os.path.join(mf_dir, "Modelfile"))
check(r.returncode == 0, "create -f Modelfile", r.stderr)
m = json.load(open(os.path.join(S12, "manifests/registry.ollama.ai/library/tiny/chat")))
layers = {l["mediaType"].rsplit(".", 1)[1]: l for l in m["layers"]}
read = lambda l: open(blob(S12, l["digest"][7:])).read()
check(set(layers) == {"model", "params", "system", "messages", "adapter"}, "Modelfile layers present", str(layers))
check(json.loads(read(layers["params"])) == {"temperature": 0.5, "stop": ["<turn|>"]}, "params layer")
check(read(layers["system"]) == "Be brief.\nVery.", "system layer")
check(json.loads(read(layers["messages"])) == [{"role": "user", "content": "hi"},
                                                {"role": "assistant", "content": "hello"}], "messages layer")
check(layers["model"]["digest"] == "sha256:" + SHA, "model layer is the GGUF")
with open(os.path.join(mf_dir, "Modelfile2"), "w") as f:
    f.write("FROM tiny:chat\nSYSTEM Other.\n")
r = hearth(S12, "create", "tiny:other", "-f", os.path.join(mf_dir, "Modelfile2"))
m2 = json.load(open(os.path.join(S12, "manifests/registry.ollama.ai/library/tiny/other")))
layers2 = {l["mediaType"].rsplit(".", 1)[1]: l for l in m2["layers"]}
check(r.returncode == 0 and layers2["model"] == layers["model"] and layers2["params"] == layers["params"] and
      read(layers2["system"]) == "Other.", "FROM another name inherits and overrides", r.stderr)
junk = os.path.join(WORK, "junk.gguf")
open(junk, "wb").write(b"GGUF" + b"\0" * 60)
before = store_files(S12)
r = hearth(S12, "create", "broken", "--from", junk)
check(r.returncode != 0 and store_files(S12) == before, "a bad GGUF is refused and nothing is stored", r.stderr)

# 13. Disk full mid-pull, as a file size limit (EFBIG) and, where tmpfs can be mounted (root), as
# a full file system (ENOSPC): a clear message, the store's manifests and blobs as they were,
# and the same pull without the limit resumes and completes.
def file_size_limit(limit):
    def apply():
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def committed(store):
    return {f for f in store_files(store) if not f.endswith("-partial")}


S13 = os.path.join(WORK, "s13")
OTHER = os.path.join(WORK, "other.gguf")  # not the pulled bytes, so the pull has to download
subprocess.run([HEARTH, "make-test-model", "--preset", "dense-tiny", "--type", "q4_0", "--layers", "1", "--embd", "64",
                "--ff", "64", "--vocab", VOCAB, "--out", OTHER], check=True, stdout=subprocess.DEVNULL)
check(hearth(S13, "create", "keep", "--from", OTHER).returncode == 0, "disk full: a model already in the store")
before = committed(S13)
r = hearth(S13, "pull", NAME, preexec_fn=file_size_limit(len(BYTES) // 2))
check(r.returncode != 0 and "file size limit" in r.stderr and "run the same pull again" in r.stderr and
      "Traceback" not in r.stderr and r.returncode < 128, "file size limit: a clear error", r.stderr)
check(committed(S13) == before, "file size limit: manifests and blobs unchanged", str(committed(S13) ^ before))
partial = blob(S13, SHA) + "-partial"
have = os.path.getsize(partial) if os.path.isfile(partial) else 0
hub.reset_log()
r = hearth(S13, "pull", NAME)
ranges = [h.get("Range") for (host, m, p, h) in hub.log if host == "localhost"]
check(r.returncode == 0 and sha_of(blob(S13, SHA)) == SHA and ranges == [f"bytes={have}-"] and have > 0,
      "file size limit lifted: the pull resumes and completes", r.stderr + str(ranges))

S13B = os.path.join(WORK, "s13-tmpfs")
os.makedirs(S13B)
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={len(BYTES) // 2}", "tmpfs", S13B],
                         capture_output=True).returncode == 0
if not mounted:
    print("skip disk full (ENOSPC): cannot mount a tmpfs here (needs root)")
else:
    try:
        before = committed(S13B)
        r = hearth(S13B, "pull", NAME)
        check(r.returncode != 0 and "no space left" in r.stderr and "Traceback" not in r.stderr and r.returncode < 128,
              "full disk: a clear error naming the space problem", r.stderr)
        check(committed(S13B) == before, "full disk: manifests and blobs unchanged", str(committed(S13B) ^ before))
        subprocess.run(["mount", "-o", f"remount,size={4 * len(BYTES)}", S13B], check=True)
        r = hearth(S13B, "pull", NAME)
        check(r.returncode == 0 and sha_of(blob(S13B, SHA)) == SHA, "space freed: the pull completes", r.stderr)
    finally:
        subprocess.run(["umount", S13B])

# 14. gemma4 without a tag: the size `hearth recommend` picks for the (described) machine, or the
# gemma4 model already in the store; an explicit tag is taken as is.
PI5 = os.path.join(WORK, "pi5.json")
with open(PI5, "w") as f:
    json.dump({"label": "Raspberry Pi 5 8 GB", "cpu": {"model": "Cortex-A76", "physical_cores": 4},
               "ram": {"total_mib": 8064, "available_mib": 7400}, "memory_bandwidth_gbs": 10}, f)
S14 = os.path.join(WORK, "s14")
r = hearth(S14, "pull", "gemma4", HEARTH_HARDWARE=PI5)
lines = [l for l in r.stderr.splitlines() if "gemma4 means" in l]
check(r.returncode == 0 and os.path.isfile(os.path.join(S14, "manifests/registry.ollama.ai/library/gemma4/e2b")),
      "pull gemma4 on a Pi 5 stores gemma4:e2b", r.stderr)
check(len(lines) == 1 and "gemma4:e2b" in lines[0] and "recommended for this machine: E2B" in lines[0],
      "one line says which tag and why", r.stderr)
time.sleep(1.1)  # manifest times have one-second resolution; e4b is the newer one
r = hearth(S14, "pull", "gemma4:e4b", HEARTH_HARDWARE=PI5)
check(r.returncode == 0 and "gemma4 means" not in r.stderr and
      os.path.isfile(os.path.join(S14, "manifests/registry.ollama.ai/library/gemma4/e4b")), "an explicit tag wins", r.stderr)
hub.reset_log()
r = hearth(S14, "pull", "gemma4", HEARTH_HARDWARE=PI5)
check(r.returncode == 0 and "gemma4:e4b (already in the store" in r.stderr,
      "pull gemma4 with gemma4 models stored takes the newest of them", r.stderr)
r = hearth(S14, "pull", "gemma4", HEARTH_HARDWARE=os.path.join(WORK, "missing.json"))
check(r.returncode == 0, "a stored gemma4 needs no hardware description", r.stderr)
r = hearth(os.path.join(WORK, "s14-empty"), "pull", "gemma4", HEARTH_HARDWARE=os.path.join(WORK, "missing.json"))
check(r.returncode != 0 and "missing.json" in r.stderr, "a bad HEARTH_HARDWARE is a clear error", r.stderr)

# 15. run NAME pulls a pullable model that is not in the store, then answers.
S15 = os.path.join(WORK, "s15")
hub.reset_log()
r = hearth(S15, "run", "gemma4", "hi", "--num-predict", "2", "--json", HEARTH_HARDWARE=PI5)
cdn = [p for (host, m, p, h) in hub.log if host == "localhost"]
check(r.returncode == 0 and "gemma4:e2b is not in the store; pulling it" in r.stderr and len(cdn) == 1 and
      json.loads(r.stdout.splitlines()[-1])["eval_count"] == 2, "run gemma4 pulls the recommended size, then runs",
      r.stderr)
hub.reset_log()
r = hearth(S15, "run", "gemma4", "hi", "--num-predict", "1", HEARTH_HARDWARE=PI5)
check(r.returncode == 0 and "pulling" not in r.stderr and not hub.log, "a second run uses the stored model", r.stderr)
r = hearth(S15, "run", NAME, "hi", "--num-predict", "1")
check(r.returncode == 0 and os.path.isfile(os.path.join(S15, "manifests/hf.co/org/tiny-gguf/latest")),
      "run hf.co/ORG/REPO pulls it first", r.stderr)
r = hearth(S15, "run", "gemma4:7b", "hi")
check(r.returncode != 0 and "unknown tag '7b'" in r.stderr, "run of an unknown gemma4 tag names the tags", r.stderr)

# 16. run applies the store model's Modelfile: PARAMETER values and SYSTEM, beneath the flags.
with open(os.path.join(mf_dir, "Modelfile3"), "w") as f:
    f.write("FROM tiny:latest\nPARAMETER num_predict 3\nPARAMETER temperature 0\n"
            "SYSTEM You are a pirate who answers every question at great length.\n")
check(hearth(S12, "create", "tiny:pirate", "-f", os.path.join(mf_dir, "Modelfile3")).returncode == 0,
      "create tiny:pirate")


def run_json(name, *flags):
    r = hearth(S12, "run", name, "Say hello.", "--json", *flags)
    return json.loads(r.stdout.splitlines()[-1]) if r.returncode == 0 and r.stdout.strip() else {"error": r.stderr}


plain, pirate = run_json("tiny", "--num-predict", "3"), run_json("tiny:pirate")
check(pirate.get("eval_count") == 3 and pirate.get("done_reason") == "length", "PARAMETER num_predict 3 gives 3 tokens",
      str(pirate))
check(run_json("tiny:pirate", "--num-predict", "5").get("eval_count") == 5, "--num-predict beats the Modelfile")
check(pirate.get("prompt_eval_count", 0) > plain.get("prompt_eval_count", 1 << 30) + 5,
      "SYSTEM adds its text to the prompt", f"{plain} vs {pirate}")
flagged = run_json("tiny:pirate", "--system", "Be brief.")
short = run_json("tiny", "--system", "Be brief.", "--num-predict", "3")
check(flagged.get("prompt_eval_count") == short.get("prompt_eval_count") and "prompt_eval_count" in short,
      "--system replaces the Modelfile's SYSTEM", f"{flagged} vs {short}")
check(pirate.get("ids") == run_json("tiny:pirate").get("ids"), "PARAMETER temperature 0 decodes greedily")

server.shutdown()
if failures:
    sys.exit(f"{len(failures)} check(s) failed: {failures}")
print("all store checks passed")
