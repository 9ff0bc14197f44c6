// cxx_string_stream: std::string and std::stringstream work: building CSV text with
// ostringstream, parsing it back with getline and >>, std::stoi/stol/stod including the
// exceptions they throw (invalid_argument, out_of_range), small-string and heap strings,
// find/replace/erase, and std::to_string of floating point.
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

int main() {
  std::ostringstream csv;
  for (int row = 0; row < 20; ++row) {
    csv << row << ',' << row * row * 1.25 << ",name" << row << ',' << (row % 3 == 0) << '\n';
  }
  std::string text = csv.str();
  std::printf("csv bytes %zu\n", text.size());
  std::istringstream in(text);
  std::string line;
  double total = 0;
  int rows = 0, flagged = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, value, name, flag;
    std::getline(fields, id, ',');
    std::getline(fields, value, ',');
    std::getline(fields, name, ',');
    std::getline(fields, flag, ',');
    total += std::stod(value);
    flagged += std::stoi(flag);
    ++rows;
    if (rows % 7 == 1)
      std::printf("row %s value %s name %s\n", id.c_str(), value.c_str(), name.c_str());
  }
  std::printf("rows %d total %.3f flagged %d\n", rows, total, flagged);
  const char* bad_inputs[] = {"abc", "99999999999999999999", "12xyz", "-0x10", " 42"};
  for (const char* s : bad_inputs) {
    try {
      size_t used = 0;
      int v = std::stoi(s, &used, 0);
      std::printf("stoi(\"%s\") = %d (used %zu)\n", s, v, used);
    } catch (const std::invalid_argument&) {
      std::printf("stoi(\"%s\") invalid_argument\n", s);
    } catch (const std::out_of_range&) {
      std::printf("stoi(\"%s\") out_of_range\n", s);
    }
  }
  std::printf("stol %ld stoull %llu stod %.17g stof %.9g\n", std::stol("-123456789012"),
              std::stoull("18446744073709551615"), std::stod("2.718281828459045"),
              static_cast<double>(std::stof("1e-3")));
  std::printf("to_string %s %s %s\n", std::to_string(1.0 / 3).c_str(),
              std::to_string(-1e20).c_str(), std::to_string(42u).c_str());
  std::string s = "the cat sat on the mat with the hat";
  for (size_t pos = 0; (pos = s.find("the", pos)) != std::string::npos; pos += 4)
    s.replace(pos, 3, "THE");
  s.erase(s.find("with"), 5);
  std::printf("%s | rfind at %zu | compare %d\n", s.c_str(), s.rfind("at"), s.compare("THE"));
  std::vector<std::string> parts;
  std::istringstream words(s);
  for (std::string w; words >> w;) parts.push_back(w);
  std::string joined;
  for (size_t i = parts.size(); i-- > 0;) joined += parts[i] + (i ? "/" : "");
  std::printf("reversed words: %s\n", joined.c_str());
  std::string big(100000, 'x');
  big += "end";
  std::printf("big string size %zu ends with end: %d\n", big.size(), big.ends_with("end"));
  std::stringstream ss;
  ss << std::hex << 3054 << ' ' << std::oct << 64;
  int h = 0, o = 0;
  ss >> std::hex >> h >> std::oct >> o;
  std::printf("stream round trip hex %d oct %d\n", h, o);
  return 0;
}
