// The private /tmp as ordinary Python programs use it on the kvm engine: the atomic-replace
// idiom (write a temporary file, os.replace it over the target), directory renames, and
// mapping files read-only (mmap, numpy's mmap_mode) — each compared with what python3 prints
// natively for the same program in a host temporary directory. Skips without a usable
// /dev/kvm.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "kvm/run.hpp"
#include "sandbox/factory.hpp"
#include "skip_without_kvm.hpp"

namespace forkbox {
namespace {

// The program takes its scratch directory as argv[1]: /tmp in the sandbox, a fresh host
// directory natively. It prints nothing that depends on the directory's name.
constexpr const char* kProgram = R"(
import mmap, os, sys, tempfile
d = sys.argv[1]
with tempfile.NamedTemporaryFile('w', dir=d, delete=False) as t:
    t.write('version 1')
os.replace(t.name, os.path.join(d, 'config'))
with tempfile.NamedTemporaryFile('w', dir=d, delete=False) as t:
    t.write('version 2')
os.replace(t.name, os.path.join(d, 'config'))
print(open(os.path.join(d, 'config')).read(), sorted(os.listdir(d)))
os.makedirs(os.path.join(d, 'a', 'b'))
open(os.path.join(d, 'a', 'b', 'f'), 'w').write('deep')
os.rename(os.path.join(d, 'a'), os.path.join(d, 'moved'))
print(open(os.path.join(d, 'moved', 'b', 'f')).read(), os.path.exists(os.path.join(d, 'a')))
try:
    os.rename(os.path.join(d, 'moved'), os.path.join(d, 'moved', 'b', 'inside'))
except OSError as e:
    print('into itself:', e.errno)
with open(os.path.join(d, 'config'), 'rb') as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    print(m[:9], len(m))
    c = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    c[0:1] = b'V'
    print(c[:9], open(os.path.join(d, 'config')).read())
)";

std::string native_output() {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("forkbox_tmp_files_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path script = dir.parent_path() / (dir.filename().string() + ".py");
  FILE* f = std::fopen(script.c_str(), "w");
  std::fputs(kProgram, f);
  std::fclose(f);
  std::string out;
  // The interpreter the python runtime runs (not whatever python3 comes first in PATH).
  const std::string cmd = "/usr/bin/python3 -I " + script.string() + " " + dir.string();
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  std::filesystem::remove_all(dir);
  std::filesystem::remove(script);
  return out;
}

TEST(KvmTmpFiles, ReplaceRenameAndMmapMatchNativePython) {
  SKIP_WITHOUT_KVM();
  RuntimeConfig c;
  c.name = "python";
  c.engine = "kvm";
  c.pool_size = 1;
  auto rt = make_runtime(c);
  ASSERT_TRUE(rt.has_value()) << rt.error();
  ExecRequest req;
  req.code = kProgram;
  req.file_name = "tmp_files.py";
  req.args = {"/tmp"};
  for (int i = 0; i < 2; ++i) {  // the second execution starts from an empty /tmp again
    auto r = (*rt)->exec(req);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->exit_code, 0) << r->stderr_data;
    const std::string expected = native_output();
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(r->stdout_data, expected);
  }
}

}  // namespace
}  // namespace forkbox
