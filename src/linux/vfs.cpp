// Component-by-component path resolution under the allow-list; see vfs.hpp for the policy.
#include "linux/vfs.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <deque>

namespace forkbox::os {
namespace {

void push_components(std::string_view path, std::deque<std::string>& pending, bool at_front) {
  std::vector<std::string> parts;
  size_t at = 0;
  while (at <= path.size()) {
    size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > at) parts.emplace_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  if (at_front) {
    pending.insert(pending.begin(), parts.begin(), parts.end());
  } else {
    pending.insert(pending.end(), parts.begin(), parts.end());
  }
}

std::string join(const std::vector<std::string>& stack) {
  if (stack.empty()) return "/";
  std::string out;
  for (const std::string& part : stack) {
    out += '/';
    out += part;
  }
  return out;
}

}  // namespace

PathPolicy::PathPolicy(const std::vector<std::string>& allow_read) {
  for (const std::string& dir : allow_read) {
    std::array<char, PATH_MAX> buf{};
    if (::realpath(dir.c_str(), buf.data()) == nullptr) continue;
    allowed_.emplace_back(buf.data());
  }
}

bool PathPolicy::allowed(std::string_view path) const {
  for (const std::string& dir : allowed_) {
    if (dir == "/") return true;
    if (path == dir) return true;
    if (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/') return true;
  }
  return false;
}

std::expected<std::string, int> PathPolicy::resolve(std::string_view base, std::string_view path,
                                                    bool follow_final) const {
  if (path.empty()) return std::unexpected(-ENOENT);
  if (path.size() >= kMaxGuestPath) return std::unexpected(-ENAMETOOLONG);
  // Nothing can be visible without an allowed directory; answer before touching the host.
  if (allowed_.empty()) return std::unexpected(-ENOENT);

  std::vector<std::string> stack;  // resolved components so far: no symlinks among them
  std::deque<std::string> pending;
  if (path.front() != '/') push_components(base, pending, false);
  // The base is already resolved, but re-walking it is cheap and keeps one code path.
  push_components(path, pending, false);
  // A trailing slash means the final component must be a directory; lstat of "x/." checks it.
  const bool trailing_slash = path.back() == '/';
  int hops = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!stack.empty()) stack.pop_back();  // ".." at "/" stays at "/"
      continue;
    }
    const bool final = pending.empty();
    stack.push_back(std::move(part));
    if (final && !follow_final && !trailing_slash) break;
    const std::string here = join(stack);
    if (here.size() >= kMaxGuestPath) return std::unexpected(-ENAMETOOLONG);
    struct stat st {};
    if (::lstat(here.c_str(), &st) != 0) {
      if (final && errno == ENOENT) break;  // creating is refused later; open reports ENOENT
      return std::unexpected(allowed(here) && errno == ENOTDIR ? -ENOTDIR : -ENOENT);
    }
    if (S_ISLNK(st.st_mode)) {
      if (++hops > kMaxSymlinkHops) return std::unexpected(-ELOOP);
      std::array<char, kMaxGuestPath> target{};
      ssize_t n = ::readlink(here.c_str(), target.data(), target.size());
      if (n <= 0 || static_cast<size_t>(n) >= target.size()) return std::unexpected(-ENOENT);
      std::string_view link(target.data(), static_cast<size_t>(n));
      stack.pop_back();
      if (link.front() == '/') stack.clear();
      push_components(link, pending, true);
      continue;
    }
    if ((!final || trailing_slash) && !S_ISDIR(st.st_mode)) {
      return std::unexpected(allowed(here) ? -ENOTDIR : -ENOENT);
    }
  }
  std::string resolved = join(stack);
  if (!allowed(resolved)) return std::unexpected(-ENOENT);
  return resolved;
}

}  // namespace forkbox::os
