// The path policy: which host files a guest may see, and how a guest path becomes a host path.
//
// The guest sees the host's own namespace, filtered: a path is resolved by the personality
// itself, one component at a time against the guest's cwd, with `..` clamped at "/" and every
// host symlink read (readlinkat) and followed here, at most kMaxSymlinkHops times. Only the
// FINAL resolved path is checked against the allow-list, so Debian's merged-/usr symlinks
// (/lib -> usr/lib) work when /usr is allowed, while a symlink inside an allowed directory that
// points outside it is refused. The host file is then opened with O_NOFOLLOW on that resolved
// path, so the host kernel never follows a symlink the policy did not see.
//
// Every refusal outside the allow-list is -ENOENT whether or not the host path exists, so a
// guest cannot probe the host's file system. Room for a virtual-file layer (/dev/urandom, a
// private /tmp) is left to the callers: they consult it before resolving on the host.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace forkbox::os {

// Linux's PATH_MAX: a guest path longer than this is -ENAMETOOLONG, as on Linux.
inline constexpr size_t kMaxGuestPath = 4096;
// Linux's MAXSYMLINKS: more symlink hops than this in one lookup is -ELOOP.
inline constexpr int kMaxSymlinkHops = 40;

class PathPolicy {
 public:
  // `allow_read` holds host directories; each is canonicalized with realpath now, and those
  // that do not exist are dropped (they could not hold anything to read).
  explicit PathPolicy(const std::vector<std::string>& allow_read);

  // Resolves `path` (absolute, or relative to `base`, itself an absolute resolved path) to an
  // absolute host path with no symlink in any component except possibly the last when
  // `follow_final` is false. The final component need not exist; intermediate ones must.
  // Errors: -ENOENT (including everything outside the allow-list), -ENOTDIR, -ELOOP,
  // -ENAMETOOLONG.
  [[nodiscard]] std::expected<std::string, int> resolve(std::string_view base,
                                                        std::string_view path,
                                                        bool follow_final) const;
  // True when the absolute resolved `path` is an allowed directory or lies inside one.
  [[nodiscard]] bool allowed(std::string_view path) const;
  [[nodiscard]] const std::vector<std::string>& allowed_dirs() const { return allowed_; }

 private:
  std::vector<std::string> allowed_;
};

}  // namespace forkbox::os
