-- wrk script for the relay load benchmark (Benchmarks/relay/README.md, "With wrk").
--
-- `darkroom-bench-relay wrk` creates the libraries and devices, writes one line per device to
-- the file named by DARKROOM_WRK_DEVICES ("library device seed-hex membership-objects") and
-- runs wrk with this script. Every request is signed here exactly as HTTPTransport signs it
-- (RelayRequestSignature: Ed25519 over the domain tag, method, path?query, BLAKE2b-256 of the
-- body, timestamp, nonce and device id, one per line), through libsodium via LuaJIT's FFI.
--
-- wrk's connections do not belong to devices: request() hands the next request of a plan that
-- walks the devices in rounds. In each round every device puts one envelope (a 330-byte opaque
-- body, the size of a sealed 200-byte sync payload), lists its library from near the end, and
-- gets the envelope each other device of its library put two rounds before (issued about two
-- thousand requests earlier, so stored long before). The mix is the Swift load's: one put, one
-- list and nine gets per device and round.
local ffi = require("ffi")
ffi.cdef [[
int sodium_init(void);
int crypto_sign_seed_keypair(unsigned char *pk, unsigned char *sk, const unsigned char *seed);
int crypto_sign_detached(unsigned char *sig, unsigned long long *siglen_p, const unsigned char *m,
                         unsigned long long mlen, const unsigned char *sk);
int crypto_generichash(unsigned char *out, size_t outlen, const unsigned char *in, unsigned long long inlen,
                       const unsigned char *key, size_t keylen);
char *sodium_bin2hex(char *const hex, const size_t hex_maxlen, const unsigned char *const bin, const size_t bin_len);
int sodium_hex2bin(unsigned char *const bin, const size_t bin_maxlen, const char *const hex, const size_t hex_len,
                   const char *const ignore, size_t *const bin_len, const char **const hex_end);
void randombytes_buf(void *const buf, const size_t size);
]]

local ok, sodium = pcall(ffi.load, "sodium")
if not ok then sodium = ffi.load("libsodium.so.23") end
assert(sodium.sodium_init() >= 0, "libsodium failed to initialise")

local hexbuf = ffi.new("char[129]")
local sigbuf = ffi.new("unsigned char[64]")
local hashbuf = ffi.new("unsigned char[32]")

local function tohex(bin, n)
    sodium.sodium_bin2hex(hexbuf, 2 * n + 1, bin, n)
    return ffi.string(hexbuf, 2 * n)
end

local function contentHash(body)
    sodium.crypto_generichash(hashbuf, 32, body, #body, nil, 0)
    return tohex(hashbuf, 32)
end

-- Devices and libraries, from the file `darkroom-bench-relay wrk` wrote.
local devices, libraries = {}, {}
local path = assert(os.getenv("DARKROOM_WRK_DEVICES"), "DARKROOM_WRK_DEVICES is not set")
for line in io.lines(path) do
    local lib, id, seedHex, base = line:match("^(%S+) (%S+) (%x+) (%d+)$")
    assert(lib, "malformed device line: " .. line)
    local seed = ffi.new("unsigned char[32]")
    assert(sodium.sodium_hex2bin(seed, 32, seedHex, #seedHex, nil, nil, nil) == 0, "malformed seed")
    local pk, sk = ffi.new("unsigned char[32]"), ffi.new("unsigned char[64]")
    sodium.crypto_sign_seed_keypair(pk, sk, seed)
    local library = libraries[lib]
    if not library then
        library = { id = lib, members = {}, objects = tonumber(base) }
        libraries[lib] = library
    end
    local device = { id = id, sk = sk, library = library, round = 0 }
    library.members[#library.members + 1] = device
    devices[#devices + 1] = device
end
assert(#devices > 0, "no devices in " .. path)

local nonceBytes = ffi.new("unsigned char[8]")
sodium.randombytes_buf(nonceBytes, 8)
local noncePrefix = tohex(nonceBytes, 8) -- 16 random hex digits per wrk thread, then a counter
local nonceCounter = 0
local emptyHash = contentHash("")
local body = string.rep("\97", 330)
local bodyHash = contentHash(body)

local function signed(device, method, pathAndQuery, payload, hash)
    local timestamp = tostring(os.time())
    nonceCounter = nonceCounter + 1
    local nonce = noncePrefix .. string.format("%016x", nonceCounter)
    local message = table.concat({ "darkroom-relay-request-v1", method, pathAndQuery, hash, timestamp, nonce, device.id }, "\n")
    sodium.crypto_sign_detached(sigbuf, nil, message, #message, device.sk)
    return wrk.format(method, pathAndQuery, {
        ["X-Darkroom-Device"] = device.id,
        ["X-Darkroom-Timestamp"] = timestamp,
        ["X-Darkroom-Nonce"] = nonce,
        ["X-Darkroom-Content-Hash"] = hash,
        ["X-Darkroom-Signature"] = tohex(sigbuf, 64),
    }, payload)
end

local function logName(device, sequence)
    return string.format("log/%s/%020d", device.id, sequence)
end

-- The plan: device `current`, and the requests of its round not yet handed out.
local current, pending = 0, {}

local function planNextDevice()
    current = current % #devices + 1
    local device = devices[current]
    local library = device.library
    device.round = device.round + 1
    local round = device.round
    local prefix = "/v1/libraries/" .. library.id .. "/objects"
    pending[#pending + 1] = function()
        library.objects = library.objects + 1
        return signed(device, "PUT", prefix .. "/" .. logName(device, round), body, bodyHash)
    end
    pending[#pending + 1] = function()
        local after = math.max(0, library.objects - #library.members - 1)
        return signed(device, "GET", prefix .. "?after=" .. after, nil, emptyHash)
    end
    if round > 2 then
        for _, other in ipairs(library.members) do
            if other ~= device then
                pending[#pending + 1] = function()
                    return signed(device, "GET", prefix .. "/" .. logName(other, round - 2), nil, emptyHash)
                end
            end
        end
    end
end

local next = 1
-- wrk calls request() once before the run to check the script's request (script_verify_request)
-- and never sends it: that call gets a request outside the plan.
local checked = false
function request()
    if not checked then
        checked = true
        return wrk.format("GET", "/healthz")
    end
    if next > #pending then
        pending, next = {}, 1
        planNextDevice()
    end
    local build = pending[next]
    next = next + 1
    return build()
end

function done(summary, latency, requests)
    local e = summary.errors
    local errors = e.connect + e.read + e.write + e.timeout + e.status
    -- For darkroom-bench-relay: requests/s, p50, p99 (ms), errors.
    io.write(string.format("wrk-figures %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
    io.write(string.format("wrk: requests %d in %.1f s (%.0f/s); latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; " ..
        "errors: connect %d, read %d, write %d, timeout %d, non-2xx %d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        e.connect, e.read, e.write, e.timeout, e.status))
end
