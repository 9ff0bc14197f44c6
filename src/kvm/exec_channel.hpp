// The code channel: how one execution's request (code, file name, arguments and a per-fork
// random seed) reaches the agent inside a forked VM, separately from the program's stdin.
//
// Python's agent reads it from a dedicated fd (kCodeFd) that the VMM serves itself: the
// personality never allocates fds that high (kMaxGuestFds), so no file the program opens can
// collide with it. Lua has no way to read a raw fd, so its agent reads the same bytes from the
// front of stdin and leaves the rest (the program's input) in the one C stdio buffer the program
// reads from. Either way the first read of the channel is the snapshot's ready point.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace forkbox::kvm {

inline constexpr int64_t kCodeFd = 1023;
// Why 8 MiB: far above any program text a person sends, and what the Python agent's preallocated
// receive buffer holds (guest/agents/python_agent.py); it also bounds the guest memory one
// request can make the VMM write before the program runs.
inline constexpr size_t kMaxCodeBytes = 8u << 20;
// Why 4096: more argv entries than any program needs; each costs the agent a field to parse.
inline constexpr size_t kMaxArgs = 4096;
// Bytes of host CSPRNG output each fork's agent reseeds its generators from. Python's agent
// copies them straight into the two MT19937 states it must make unique per fork (random's and
// numpy's global generator, 624 32-bit words each), which is far cheaper in guest pages written
// than expanding a short seed in the guest. Lua's math.randomseed takes two 64-bit integers.
inline constexpr size_t kPythonSeedBytes = 2 * 624 * 4;
inline constexpr size_t kLuaSeedBytes = 16;
inline constexpr size_t kSeedBytes = kPythonSeedBytes;

// "FBX1", count, then [seed (`seed_bytes` of host CSPRNG output), file_name, code, args...] as
// u32 length + bytes. Errors: a one-line reason when the request exceeds the limits above or the
// host random source fails.
[[nodiscard]] std::expected<std::string, std::string> encode_request(
    const std::string& file_name, const std::string& code, const std::vector<std::string>& args,
    size_t seed_bytes = kSeedBytes);

}  // namespace forkbox::kvm
