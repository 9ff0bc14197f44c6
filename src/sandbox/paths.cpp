// Locating bundled guest artefacts; see bundled_path() in factory.hpp.
#include <unistd.h>

#include <cstdlib>

#include "sandbox/factory.hpp"

namespace forkbox {

std::string bundled_path(const std::string& relative) {
  if (const char* home = std::getenv("FORKBOX_HOME"); home && *home)
    return std::string(home) + "/" + relative;
  // Artefacts built by scripts/setup live in the source tree, those built by CMake in the
  // build tree; look in the build tree first.
  std::string in_build = std::string(FORKBOX_BINARY_DIR) + "/" + relative;
  if (::access(in_build.c_str(), F_OK) == 0) return in_build;
  return std::string(FORKBOX_SOURCE_DIR) + "/" + relative;
}

}  // namespace forkbox
