// iostream_format: std::cout/std::cerr formatting with manipulators (width, fill, alignment,
// precision, fixed/scientific/hexfloat/defaultfloat, hex/oct/showbase/uppercase, showpos,
// boolalpha), std::endl vs '\n' flushing, std::cin-free parsing with std::istringstream, and
// sync_with_stdio(false) interleaving on a single stream.
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>

int main() {
  std::ios::sync_with_stdio(false);
  std::cout << "plain " << 42 << ' ' << -7L << ' ' << 3.5 << ' ' << 'c' << ' ' << true << '\n';
  std::cout << std::boolalpha << true << ' ' << false << std::noboolalpha << '\n';
  std::cout << '[' << std::setw(8) << 123 << "][" << std::left << std::setw(8) << 123 << "]["
            << std::right << std::setfill('*') << std::setw(8) << -45 << "][" << std::internal
            << std::setw(8) << -45 << "]" << std::setfill(' ') << '\n';
  std::cout << std::hex << 255 << ' ' << std::showbase << 255 << ' ' << std::uppercase << 255 << ' '
            << std::oct << 8 << ' ' << std::dec << std::noshowbase << std::nouppercase << 99
            << '\n';
  const double values[] = {0.0,
                           1.0 / 3.0,
                           -2.5,
                           1e-7,
                           123456789.125,
                           6.02214076e23,
                           std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN()};
  for (double v : values) {
    std::cout << std::defaultfloat << std::setprecision(6) << v << " | " << std::fixed
              << std::setprecision(3) << v << " | " << std::scientific << std::setprecision(4) << v
              << " | " << std::hexfloat << v << " | " << std::defaultfloat << std::setprecision(17)
              << v << " | " << std::showpos << std::setprecision(2) << v << std::noshowpos << '\n';
  }
  std::cout << std::setprecision(6);
  std::cout << "float " << 0.1f << " long double " << 0.1L << " max int64 "
            << std::numeric_limits<long long>::max() << " min int64 "
            << std::numeric_limits<long long>::min() << '\n';
  std::cout << "unsigned char prints as char: " << static_cast<unsigned char>(65)
            << ", as int: " << +static_cast<unsigned char>(65) << '\n';
  std::istringstream in("17 0x1f 3.25e2 word -8 true");
  int a = 0, b = 0, e = 0;
  double c = 0;
  std::string w;
  bool flag = false;
  in >> a >> std::hex >> b >> std::dec >> c >> w >> e >> std::boolalpha >> flag;
  std::cout << "parsed " << a << ' ' << b << ' ' << c << ' ' << w << ' ' << e << ' ' << flag
            << " good=" << in.good() << " eof=" << in.eof() << '\n';
  int bad = 0;
  std::istringstream junk("abc");
  junk >> bad;
  std::cout << "parse failure: fail=" << junk.fail() << " value=" << bad << '\n';
  std::cerr << "to cerr: " << std::setw(5) << 12 << std::endl;
  std::clog << "to clog" << std::endl;
  for (int i = 0; i < 3; ++i) std::cout << "endl line " << i << std::endl;
  std::cout << "no trailing newline";
  return 0;
}
