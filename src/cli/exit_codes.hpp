// The process exit statuses `forkbox` uses for its own outcomes. A guest's own exit status is
// passed through unchanged, and a guest killed by a signal makes forkbox die by that signal, so
// these values only appear for forkbox's verdicts. Documented in README.md.
#pragma once

namespace forkbox::cli {

inline constexpr int kExitLoadError = 120;    // the program could not be loaded
inline constexpr int kExitGuestFault = 121;   // illegal instruction, memory fault, ...
inline constexpr int kExitTimeout = 122;      // instruction budget or deadline exhausted
inline constexpr int kExitMemoryLimit = 123;  // touched memory reached the limit
inline constexpr int kExitOutputLimit = 124;  // captured output reached its limit
inline constexpr int kExitUsage = 125;        // bad command line, or the engine is unusable

}  // namespace forkbox::cli
