// PathPolicy on its own: resolution and the allow-list check, without a guest.
#include <gtest/gtest.h>

#include "linux/vfs.hpp"

namespace forkbox::os {
namespace {

TEST(PathPolicy, NothingIsAllowedByDefault) {
  PathPolicy policy({});
  EXPECT_EQ(policy.resolve("/", "/etc/passwd", true), std::unexpected(-ENOENT));
  EXPECT_FALSE(policy.allowed("/"));
}

TEST(PathPolicy, AllowedDirectoryIsAPrefixOnPathBoundaries) {
  PathPolicy policy({"/usr"});
  EXPECT_TRUE(policy.allowed("/usr"));
  EXPECT_TRUE(policy.allowed("/usr/lib"));
  EXPECT_FALSE(policy.allowed("/usrx"));
  EXPECT_FALSE(policy.allowed("/us"));
}

TEST(PathPolicy, MissingAllowedDirectoriesAreDropped) {
  PathPolicy policy({"/definitely/not/here/forkbox"});
  EXPECT_TRUE(policy.allowed_dirs().empty());
}

TEST(PathPolicy, RelativePathsResolveAgainstTheBase) {
  PathPolicy policy({"/usr"});
  EXPECT_EQ(policy.resolve("/usr", "bin", false), "/usr/bin");
  EXPECT_EQ(policy.resolve("/usr/bin", "./../bin/.", true), "/usr/bin");
  EXPECT_EQ(policy.resolve("/usr", "..", true), std::unexpected(-ENOENT));
}

TEST(PathPolicy, OverlongPathIsEnametoolong) {
  PathPolicy policy({"/usr"});
  EXPECT_EQ(policy.resolve("/", "/usr/" + std::string(5000, 'a'), true),
            std::unexpected(-ENAMETOOLONG));
}

}  // namespace
}  // namespace forkbox::os
