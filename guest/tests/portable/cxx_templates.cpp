// cxx_templates: compile-time computation (constexpr functions, variadic templates, fold
// expressions, CRTP, if constexpr, concepts) whose results are printed at run time, plus
// templates instantiated for several types so many small specialised functions are emitted.
#include <array>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace {

constexpr uint64_t fib(unsigned n) {
  uint64_t a = 0, b = 1;
  for (unsigned i = 0; i < n; ++i) {
    uint64_t t = a + b;
    a = b;
    b = t;
  }
  return a;
}

constexpr uint64_t fib_recursive(unsigned n) {
  return n < 2 ? n : fib_recursive(n - 1) + fib_recursive(n - 2);
}

template <typename... Ts>
constexpr auto sum(Ts... xs) {
  return (xs + ... + 0);
}

template <typename T>
concept Numeric = std::integral<T> || std::floating_point<T>;

template <Numeric T>
T clamp_add(T a, T b, T hi) {
  return a + b > hi ? hi : a + b;
}

template <typename Derived>
struct Counter {
  int bump() { return ++static_cast<Derived*>(this)->count; }
};
struct Apples : Counter<Apples> {
  int count = 0;
};

template <typename T>
std::string describe(const T& v) {
  if constexpr (std::is_integral_v<T>)
    return "int:" + std::to_string(v);
  else if constexpr (std::is_floating_point_v<T>)
    return "float:" + std::to_string(v);
  else
    return "other:" + std::string(v);
}

template <size_t N>
constexpr std::array<uint32_t, N> squares() {
  std::array<uint32_t, N> a{};
  for (size_t i = 0; i < N; ++i) a[i] = static_cast<uint32_t>(i * i);
  return a;
}

template <typename Tuple, size_t... I>
void print_tuple(const Tuple& t, std::index_sequence<I...>) {
  ((std::printf("%s%s", I ? ", " : "(", describe(std::get<I>(t)).c_str())), ...);
  std::printf(")\n");
}

template <typename T, typename U>
auto mul(T a, U b) -> decltype(a * b) {
  return a * b;
}

template <int N>
struct Factorial {
  static constexpr long value = N * Factorial<N - 1>::value;
};
template <>
struct Factorial<0> {
  static constexpr long value = 1;
};

}  // namespace

int main() {
  constexpr uint64_t f90 = fib(90);
  static_assert(fib_recursive(20) == 6765);
  volatile unsigned n = 25;
  std::printf("fib(90) constexpr %llu, fib(25) recursive at run time %llu\n",
              static_cast<unsigned long long>(f90),
              static_cast<unsigned long long>(fib_recursive(n)));
  std::printf("sum %d %.2f %lld\n", sum(1, 2, 3, 4), sum(1.5, 2.25), sum(1LL << 40, 5LL));
  std::printf("clamp_add %d %u %.1f\n", clamp_add(100, 50, 120), clamp_add(3u, 4u, 100u),
              clamp_add(1.5, 2.0, 3.0));
  Apples a;
  for (int i = 0; i < 4; ++i) a.bump();
  std::printf("crtp count %d\n", a.count);
  print_tuple(std::make_tuple(1, 2.5, "three", 'x'), std::make_index_sequence<4>{});
  constexpr auto sq = squares<16>();
  std::printf("squares[15] %u sum %u\n", sq[15], [&] {
    uint32_t s = 0;
    for (auto v : sq) s += v;
    return s;
  }());
  std::printf("mul %d %.3f %ld\n", mul(6, 7), mul(2, 0.125), mul(3L, 5));
  std::printf("factorial<20> %ld\n", Factorial<20>::value);
  auto generic = [](auto x, auto... rest) { return (x * ... * rest); };
  std::printf("generic lambda product %d %.4f\n", generic(2, 3, 4), generic(0.5, 0.5, 3.0));
  return 0;
}
