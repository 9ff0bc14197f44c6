// The forkbox host-call ABI (guest/include/forkbox.h) on the kvm engine: a handler program's
// `syscall` with rax = FORKBOX_HC_BASE + n reaches the VMM like any system call and is served
// here instead of by the Linux personality. Semantics and limits are those of the riscv engine
// (src/riscv/machine.cpp), so one handler source behaves the same on both engines:
//   wait_request   the ready point: the warm-up stops there (the call pending) and becomes the
//                  snapshot; each fork resumes inside it and it returns 0; waiting a second
//                  time in one fork is a fault (the handler never responded);
//   request_field, request_header, header_at
//                  copy out up to `cap` bytes and return the value's full length;
//   respond        ends the fork with status (100..599), content type (<= 256 B) and body
//                  (<= 8 MiB);
//   log            appends one line (<= 4 KiB, 64 KiB per request) to the response's log.
#pragma once

#include <cstdint>

#include "kvm/machine.hpp"
#include "sandbox/runtime.hpp"

namespace forkbox::kvm {

inline constexpr uint64_t kHostCallBase = 0x46420000;  // FORKBOX_HC_BASE
inline constexpr uint64_t kHostCallCount = 6;
// The same limits as the riscv engine's (src/riscv/machine.hpp), for the same reasons: a
// content type is a short token, a body is bounded by what the server will buffer, a log line
// is for people.
inline constexpr size_t kMaxContentType = 256;
inline constexpr size_t kMaxResponseBody = 8u << 20;
inline constexpr size_t kMaxLogLine = 4096;
inline constexpr size_t kMaxLogPerRequest = 64u << 10;
inline constexpr size_t kMaxHeaderName = 256;

// One request's host-call state. `request` is null during the warm-up.
struct HostCallState {
  const HandlerRequest* request = nullptr;
  HandlerResponse response;
  bool resumed = false;  // the pending wait_request of the snapshot has returned
};

enum class HostCallEnd : uint8_t {
  kContinue,     // served; the result is in rax and the guest continues
  kReady,        // warm-up reached wait_request: stop with the call pending
  kResponded,    // the handler responded: the fork is done
  kWaitedAgain,  // a fork called wait_request again without responding
};

[[nodiscard]] inline bool is_host_call(uint64_t nr) {
  return nr - kHostCallBase < kHostCallCount;
}

// Serves host call `nr` for the machine stopped at it (arguments in its registers).
[[nodiscard]] HostCallEnd serve_host_call(Machine& m, uint64_t nr, HostCallState& state);

}  // namespace forkbox::kvm
