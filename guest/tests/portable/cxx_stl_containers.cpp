// cxx_stl_containers: the standard containers and algorithms under a deterministic workload:
// vector growth and erase, deque at both ends, list splice/sort, map/set ordered iteration,
// unordered_map with rehashing (printed in sorted order), priority_queue, string building,
// std::sort/stable_sort/nth_element/lower_bound/accumulate/unique. Heavy on allocation and
// on indirect calls through allocators and comparators.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <list>
#include <map>
#include <numeric>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

uint32_t rng_state = 2463534242u;
uint32_t next_rand() {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

}  // namespace

int main() {
  std::vector<int> v;
  for (int i = 0; i < 10000; ++i) v.push_back(static_cast<int>(next_rand() % 100000));
  std::printf("vector size %zu sum %lld\n", v.size(), std::accumulate(v.begin(), v.end(), 0LL));
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  auto last = std::unique(sorted.begin(), sorted.end());
  sorted.erase(last, sorted.end());
  std::printf("unique values %zu, min %d max %d\n", sorted.size(), sorted.front(), sorted.back());
  auto it = std::lower_bound(sorted.begin(), sorted.end(), 50000);
  std::printf("first >= 50000 is %d at index %td\n", *it, it - sorted.begin());
  std::vector<int> nth = v;
  std::nth_element(nth.begin(), nth.begin() + 5000, nth.end());
  std::printf("median %d\n", nth[5000]);
  v.erase(std::remove_if(v.begin(), v.end(), [](int x) { return x % 3 == 0; }), v.end());
  std::printf("after removing multiples of 3: %zu\n", v.size());

  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < 100; ++i) pairs.emplace_back(static_cast<int>(next_rand() % 5), i);
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::printf("stable sort head:");
  for (int i = 0; i < 8; ++i) std::printf(" (%d,%d)", pairs[i].first, pairs[i].second);
  std::printf("\n");

  std::deque<int> dq;
  for (int i = 0; i < 1000; ++i) {
    if (i % 2)
      dq.push_front(i);
    else
      dq.push_back(i);
    if (i % 7 == 0) dq.pop_front();
  }
  std::printf("deque size %zu front %d back %d [500] %d\n", dq.size(), dq.front(), dq.back(),
              dq[500]);

  std::list<int> l1, l2;
  for (int i = 0; i < 50; ++i) (i % 2 ? l1 : l2).push_back(static_cast<int>(next_rand() % 1000));
  l1.sort();
  l2.sort();
  l1.merge(l2);
  l1.unique();
  std::printf("list merged size %zu first %d last %d\n", l1.size(), l1.front(), l1.back());

  std::map<std::string, int> words;
  const char* text[] = {"the", "quick", "brown", "fox", "jumps", "over",
                        "the", "lazy",  "dog",   "the", "end",   "fox"};
  for (const char* w : text) ++words[w];
  for (const auto& [w, n] : words) std::printf("%s:%d ", w.c_str(), n);
  std::printf("\n");

  std::unordered_map<uint32_t, uint32_t> counts;
  for (int i = 0; i < 20000; ++i) ++counts[next_rand() % 997];
  std::vector<std::pair<uint32_t, uint32_t>> flat(counts.begin(), counts.end());
  std::sort(flat.begin(), flat.end());
  uint64_t h = 0;
  for (const auto& [k, n] : flat) h = h * 31 + k * 1000 + n;
  std::printf("unordered_map keys %zu hash %llu\n", counts.size(),
              static_cast<unsigned long long>(h));

  std::set<int> s(v.begin(), v.begin() + 100);
  std::printf("set size %zu, count(%d)=%zu\n", s.size(), *s.begin(), s.count(*s.begin()));

  std::priority_queue<int> pq;
  for (int i = 0; i < 100; ++i) pq.push(static_cast<int>(next_rand() % 1000));
  std::printf("top5:");
  for (int i = 0; i < 5; ++i) {
    std::printf(" %d", pq.top());
    pq.pop();
  }
  std::printf("\n");

  std::string built;
  for (int i = 0; i < 300; ++i) built += std::to_string(i % 10);
  built.replace(10, 5, "-----");
  std::printf("string len %zu find 555: %zu substr %s\n", built.size(), built.find("555"),
              built.substr(5, 15).c_str());
  return 0;
}
