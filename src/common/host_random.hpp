// Entropy from the host kernel's CSPRNG. Every fork and every guest getrandom() draws from here,
// so no two sandboxes ever share random state.
#pragma once

#include <cstddef>
#include <span>

namespace forkbox {

// Fills `out` from getrandom(2). Never fails in practice; on a kernel error it falls back to
// /dev/urandom, and only if both fail does it return false.
[[nodiscard]] bool fill_host_random(std::span<std::byte> out);

}  // namespace forkbox
