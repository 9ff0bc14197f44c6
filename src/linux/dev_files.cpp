// The virtual devices; see dev_files.hpp.
#include "linux/dev_files.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <array>
#include <cerrno>
#include <span>

#include "common/host_random.hpp"

namespace forkbox::os {
namespace {

struct DeviceRow {
  std::string_view path;
  DeviceKind kind;
  unsigned minor;  // major is 1 (the "mem" character devices) for all of them
};

constexpr std::array<DeviceRow, 4> kDevices = {{
    {"/dev/null", DeviceKind::kNull, 3},
    {"/dev/zero", DeviceKind::kZero, 5},
    {"/dev/random", DeviceKind::kRandom, 8},
    {"/dev/urandom", DeviceKind::kUrandom, 9},
}};

}  // namespace

std::optional<DeviceKind> device_at(std::string_view path) {
  for (const DeviceRow& row : kDevices)
    if (row.path == path) return row.kind;
  return std::nullopt;
}

FileStat device_stat(DeviceKind device) {
  FileStat st;
  for (const DeviceRow& row : kDevices) {
    if (row.kind != device) continue;
    st.dev = 5;  // devtmpfs's anonymous device number on a typical host
    st.ino = row.minor + 1;
    st.mode = S_IFCHR | 0666;
    st.rdev = makedev(1, row.minor);
  }
  return st;
}

std::expected<std::string, int> read_device(DeviceKind device, size_t max) {
  switch (device) {
    case DeviceKind::kNull:
      return std::string();
    case DeviceKind::kZero:
      return std::string(max, '\0');
    case DeviceKind::kRandom:
    case DeviceKind::kUrandom: {
      std::string out(max, '\0');
      if (!fill_host_random(std::as_writable_bytes(std::span(out.data(), out.size()))))
        return std::unexpected(-EIO);
      return out;
    }
  }
  return std::unexpected(-EIO);
}

}  // namespace forkbox::os
