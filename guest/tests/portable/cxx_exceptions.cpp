// cxx_exceptions: C++ exceptions unwinding through many frames (the DWARF unwinder reads
// .eh_frame and restores callee-saved registers), catch by base class, rethrow, nested
// try/catch, std::exception_ptr, destructors running during unwinding, function-try-blocks in
// constructors, noexcept violations are not exercised (they terminate). Everything printed is
// deterministic.
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

int live_guards = 0;

struct Guard {
  explicit Guard(std::string name) : name_(std::move(name)) { ++live_guards; }
  ~Guard() {
    --live_guards;
    std::printf("  ~Guard(%s)\n", name_.c_str());
  }
  std::string name_;
};

struct CustomError : std::runtime_error {
  CustomError(const std::string& what, int code) : std::runtime_error(what), code(code) {}
  int code;
};

int thrower(int depth, int kind) {
  Guard g("depth " + std::to_string(depth));
  if (depth > 0) return thrower(depth - 1, kind) + 1;
  switch (kind) {
    case 0:
      throw 42;
    case 1:
      throw std::string("a string");
    case 2:
      throw CustomError("custom", 7);
    case 3:
      throw std::out_of_range("range");
    case 4:
      throw 2.5;
    default:
      return 0;
  }
}

struct Widget {
  Widget(int n) try : parts_(static_cast<size_t>(n)) {
    if (n > 3) throw std::length_error("too many parts");
  } catch (const std::length_error& e) {
    std::printf("  constructor caught %s, rethrowing implicitly\n", e.what());
  }
  std::vector<int> parts_;
};

double deep_fp(int n, double acc) {
  // Callee-saved FP registers live across the throw; the unwinder must restore them.
  volatile double local = acc * 1.5;
  if (n == 0) throw std::runtime_error("fp depth reached");
  return deep_fp(n - 1, local + n) + local;
}

}  // namespace

int main() {
  for (int kind = 0; kind <= 5; ++kind) {
    std::printf("kind %d:\n", kind);
    try {
      int r = thrower(3, kind);
      std::printf("  returned %d\n", r);
    } catch (int v) {
      std::printf("  caught int %d\n", v);
    } catch (const std::string& s) {
      std::printf("  caught string %s\n", s.c_str());
    } catch (const CustomError& e) {
      std::printf("  caught CustomError %s code %d\n", e.what(), e.code);
    } catch (const std::logic_error& e) {
      std::printf("  caught logic_error %s\n", e.what());
    } catch (...) {
      std::printf("  caught something else\n");
    }
    std::printf("  live guards %d\n", live_guards);
  }
  try {
    try {
      thrower(1, 2);
    } catch (std::exception& e) {
      std::printf("inner caught %s, rethrowing\n", e.what());
      throw;
    }
  } catch (const CustomError& e) {
    std::printf("outer caught CustomError code %d\n", e.code);
  }
  std::exception_ptr saved;
  try {
    thrower(0, 3);
  } catch (...) {
    saved = std::current_exception();
  }
  try {
    std::rethrow_exception(saved);
  } catch (const std::exception& e) {
    std::printf("rethrown exception_ptr: %s\n", e.what());
  }
  try {
    Widget w(5);
  } catch (const std::exception& e) {
    std::printf("Widget(5) threw %s\n", e.what());
  }
  Widget ok(2);
  std::printf("Widget(2) has %zu parts\n", ok.parts_.size());
  try {
    std::vector<int> v(3);
    std::printf("%d\n", v.at(10));
  } catch (const std::out_of_range&) {
    std::printf("vector::at threw out_of_range\n");
  }
  try {
    auto p = std::make_unique<int[]>(static_cast<size_t>(1) << 62);
    std::printf("huge allocation succeeded?\n");
  } catch (const std::bad_alloc& e) {
    std::printf("bad_alloc caught\n");
  }
  volatile double keep = 0.125;
  try {
    deep_fp(50, 1.0);
  } catch (const std::runtime_error& e) {
    std::printf("%s, keep=%g\n", e.what(), static_cast<double>(keep));
  }
  int caught = 0;
  for (int i = 0; i < 2000; ++i) {
    try {
      if (i % 3 == 0) throw i;
    } catch (int) {
      ++caught;
    }
  }
  std::printf("caught %d of 2000 in a loop\n", caught);
  return 0;
}
