// The virtual character devices every guest may open: /dev/null, /dev/zero, /dev/random and
// /dev/urandom. They are served by the personality itself, never by opening the host's /dev
// (which the path policy keeps out of sight): reads of the random devices come from the host
// CSPRNG, so every fork reads its own bytes, and writes to any of them are accepted and
// discarded, as Linux does for an unprivileged writer.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "linux/arch_layouts.hpp"
#include "linux/fd_table.hpp"

namespace forkbox::os {

// The device an absolute, normalized path names, if any.
[[nodiscard]] std::optional<DeviceKind> device_at(std::string_view path);
// What stat reports: a character device with Linux's major/minor numbers (1,3 null; 1,5 zero;
// 1,8 random; 1,9 urandom), mode 0666.
[[nodiscard]] FileStat device_stat(DeviceKind device);
// Up to `max` bytes read from the device (none for /dev/null: end of file); -EIO if the host
// CSPRNG fails.
[[nodiscard]] std::expected<std::string, int> read_device(DeviceKind device, size_t max);

}  // namespace forkbox::os
