// cxx_virtual: virtual dispatch through base pointers, pure virtual interfaces, multiple and
// virtual inheritance (this-pointer adjusting thunks), dynamic_cast up/down/cross (RTTI walks
// the class hierarchy), typeid names, virtual destructors in the right order, and calls
// through std::function and member-function pointers.
#include <cstdio>
#include <functional>
#include <memory>
#include <typeinfo>
#include <vector>

namespace {

struct Shape {
  virtual ~Shape() { std::printf("~Shape\n"); }
  virtual double area() const = 0;
  virtual const char* name() const { return "shape"; }
};

struct Rect : Shape {
  Rect(double w, double h) : w_(w), h_(h) {}
  ~Rect() override { std::printf("~Rect\n"); }
  double area() const override { return w_ * h_; }
  const char* name() const override { return "rect"; }
  double w_, h_;
};

struct Square final : Rect {
  explicit Square(double s) : Rect(s, s) {}
  ~Square() override { std::printf("~Square\n"); }
  const char* name() const override { return "square"; }
};

struct Circle : Shape {
  explicit Circle(double r) : r_(r) {}
  double area() const override { return 3.141592653589793 * r_ * r_; }
  double r_;
};

struct Printable {
  virtual ~Printable() = default;
  virtual int print_id() const = 0;
};

struct Labeled : Circle, Printable {
  explicit Labeled(int id) : Circle(id * 0.5), id_(id) {}
  int print_id() const override { return id_ * 10; }
  const char* name() const override { return "labeled circle"; }
  int id_;
};

struct Base {
  virtual ~Base() = default;
  virtual int value() const { return base_; }
  int base_ = 1;
};
struct Left : virtual Base {
  int value() const override { return base_ + 10; }
};
struct Right : virtual Base {};
struct Diamond : Left, Right {
  int value() const override { return Left::value() + 100; }
};

}  // namespace

int main() {
  std::vector<std::unique_ptr<Shape>> shapes;
  shapes.push_back(std::make_unique<Rect>(2, 3.5));
  shapes.push_back(std::make_unique<Square>(4));
  shapes.push_back(std::make_unique<Circle>(1));
  shapes.push_back(std::make_unique<Labeled>(3));
  double total = 0;
  for (const auto& s : shapes) {
    std::printf("%s area %.6f rect? %s printable? %s\n", s->name(), s->area(),
                dynamic_cast<Rect*>(s.get()) ? "yes" : "no",
                dynamic_cast<Printable*>(s.get()) ? "yes" : "no");
    total += s->area();
  }
  std::printf("total %.6f\n", total);
  Printable* p = dynamic_cast<Printable*>(shapes[3].get());
  std::printf("print_id via cross cast %d, back to Shape: %s\n", p->print_id(),
              dynamic_cast<Shape*>(p)->name());
  std::printf("typeid equal Square: %d, Rect vs Square: %d\n", typeid(*shapes[1]) == typeid(Square),
              typeid(*shapes[0]) == typeid(Square));
  std::printf("mangled name %s\n", typeid(Square).name());
  Diamond d;
  Base& b = d;
  Left& l = d;
  std::printf(
      "diamond via Base %d via Left %d, base shared: %s\n", b.value(), l.value(),
      static_cast<Base*>(static_cast<Left*>(&d)) == static_cast<Base*>(static_cast<Right*>(&d))
          ? "yes"
          : "no");
  double (Shape::*fn)() const = &Shape::area;
  std::printf("member pointer call %.3f\n", (shapes[1].get()->*fn)());
  std::function<double(const Shape&)> f = [](const Shape& s) { return s.area() * 2; };
  std::printf("std::function call %.3f\n", f(*shapes[0]));
  try {
    Circle c(2);
    Shape& sr = c;
    (void)dynamic_cast<Rect&>(sr);
  } catch (const std::bad_cast&) {
    std::printf("bad_cast on reference dynamic_cast\n");
  }
  shapes.clear();
  std::printf("done\n");
  return 0;
}
