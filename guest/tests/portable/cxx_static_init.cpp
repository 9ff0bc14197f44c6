// cxx_static_init: global constructors run before main in definition order (.init_array),
// function-local statics are initialised once on first use (guard variables), global
// destructors and atexit handlers run after main in reverse order, and thread_local objects
// with non-trivial constructors work in the main thread (TLS via the thread pointer, tp).
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

struct Noisy {
  explicit Noisy(const char* n) : name(n) { std::printf("construct %s\n", name); }
  ~Noisy() { std::printf("destruct %s\n", name); }
  const char* name;
};

Noisy first("global first");
Noisy second("global second");

int counter = 0;

Noisy& lazy() {
  static Noisy instance("function-local static");
  ++counter;
  return instance;
}

struct TlsThing {
  TlsThing() : value(1234) { std::printf("construct thread_local\n"); }
  int value;
  std::string text = "tls string";
};
thread_local TlsThing tls;
thread_local int tls_counter = 5;

}  // namespace

int main() {
  std::printf("main starts\n");
  std::atexit([] { std::printf("atexit handler\n"); });
  lazy();
  lazy();
  std::printf("lazy called %d times, name %s\n", counter, lazy().name);
  std::printf("thread_local value %d text %s counter %d\n", tls.value, tls.text.c_str(),
              tls_counter);
  tls_counter += 10;
  std::printf("thread_local counter now %d\n", tls_counter);
  std::printf("main ends\n");
  return 0;
}
