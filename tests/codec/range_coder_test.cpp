#include "range_coder.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace picnic {
namespace {

// A random strictly increasing CDF over n symbols totalling 2^precision.
std::vector<uint32_t> RandomCdf(std::mt19937& rng, int n, int precision) {
  const uint32_t total = uint32_t{1} << precision;
  std::set<uint32_t> cuts;
  std::uniform_int_distribution<uint32_t> pick(1, total - 1);
  while (static_cast<int>(cuts.size()) < n - 1) cuts.insert(pick(rng));
  std::vector<uint32_t> cdf = {0};
  cdf.insert(cdf.end(), cuts.begin(), cuts.end());
  cdf.push_back(total);
  return cdf;
}

// Draws a symbol distributed as the CDF says.
int Sample(std::mt19937& rng, const std::vector<uint32_t>& cdf) {
  const uint32_t t = std::uniform_int_distribution<uint32_t>(0, cdf.back() - 1)(rng);
  return static_cast<int>(std::upper_bound(cdf.begin(), cdf.end(), t) - cdf.begin()) - 1;
}

double IdealBits(const std::vector<uint32_t>& cdf, int s) {
  return -std::log2(static_cast<double>(cdf[s + 1] - cdf[s]) / cdf.back());
}

struct Coded {
  std::vector<uint8_t> bytes;
  double ideal_bits = 0;
};

// max_precision picks the stream's width: narrow up to 16, wide above.
Coded EncodeAll(const std::vector<const std::vector<uint32_t>*>& cdfs,
                const std::vector<int>& precisions, const std::vector<int>& symbols,
                int max_precision = kRangeCoderNarrowMaxPrecision) {
  RangeEncoder enc(max_precision);
  Coded out;
  for (size_t i = 0; i < symbols.size(); ++i) {
    const auto& cdf = *cdfs[i];
    enc.Encode(cdf[symbols[i]], cdf[symbols[i] + 1], precisions[i]);
    out.ideal_bits += IdealBits(cdf, symbols[i]);
  }
  enc.Finalize();
  out.bytes = enc.TakeBytes();
  return out;
}

TEST_CASE("range coder: empty stream is empty and decodes nothing", "[range_coder]") {
  for (int max_precision : {kRangeCoderNarrowMaxPrecision, kRangeCoderMaxPrecision}) {
    RangeEncoder enc(max_precision);
    enc.Finalize();
    CHECK(enc.bytes().empty());
    RangeDecoder dec(nullptr, 0, max_precision);
    CHECK_FALSE(dec.corrupt());
  }
}

TEST_CASE("range coder: random CDFs round trip at every precision, both widths", "[range_coder]") {
  std::mt19937 rng(1234);
  // Narrow streams up to 16; wide streams at every precision (a wide stream
  // may code low precisions too).
  for (int max_precision : {kRangeCoderNarrowMaxPrecision, kRangeCoderMaxPrecision}) {
    for (int precision = 1; precision <= max_precision; ++precision) {
      for (int n : {2, 3, 17, 256}) {
        if (n > (1 << precision)) continue;
        std::vector<std::vector<uint32_t>> tables;
        for (int t = 0; t < 8; ++t) tables.push_back(RandomCdf(rng, n, precision));
        std::vector<const std::vector<uint32_t>*> cdfs;
        std::vector<int> precisions, symbols;
        const int count = 2000;
        for (int i = 0; i < count; ++i) {
          const auto& cdf = tables[rng() % tables.size()];
          cdfs.push_back(&cdf);
          precisions.push_back(precision);
          symbols.push_back(Sample(rng, cdf));
        }
        const Coded coded = EncodeAll(cdfs, precisions, symbols, max_precision);
        RangeDecoder dec(coded.bytes.data(), coded.bytes.size(), max_precision);
        int mismatches = 0;
        for (int i = 0; i < count; ++i) {
          if (dec.Decode(cdfs[i]->data(), precision, n) != symbols[i]) ++mismatches;
        }
        INFO("precision " << precision << ", " << n << " symbols, " << (max_precision > 16 ? "wide" : "narrow"));
        CHECK(mismatches == 0);
        CHECK_FALSE(dec.corrupt());
        CHECK(dec.position() >= coded.bytes.size());
      }
    }
  }
}

TEST_CASE("range coder: a guess changes the search, never the symbol or the stream's state", "[range_coder]") {
  std::mt19937 rng(99);
  const int precision = 20, n = 256, count = 4000;
  std::vector<std::vector<uint32_t>> tables;
  for (int t = 0; t < 8; ++t) tables.push_back(RandomCdf(rng, n, precision));
  std::vector<const std::vector<uint32_t>*> cdfs;
  std::vector<int> precisions, symbols;
  for (int i = 0; i < count; ++i) {
    cdfs.push_back(&tables[rng() % tables.size()]);
    precisions.push_back(precision);
    symbols.push_back(Sample(rng, *cdfs.back()));
  }
  const Coded coded = EncodeAll(cdfs, precisions, symbols, kRangeCoderMaxPrecision);
  // Guesses: none, exact, off by a little, off by a lot, out of range.
  for (int mode = 0; mode < 5; ++mode) {
    RangeDecoder dec(coded.bytes.data(), coded.bytes.size(), kRangeCoderMaxPrecision);
    int mismatches = 0;
    int64_t calls = 0;
    for (int i = 0; i < count; ++i) {
      const auto& cdf = *cdfs[i];
      const int s = symbols[i];
      auto guess = [&](uint64_t target) {
        CHECK(cdf[s] <= target);  // the decoder's target lies in the symbol's counts
        CHECK(target < cdf[s + 1]);
        switch (mode) {
          case 0: return -1;
          case 1: return s;
          case 2: return s + static_cast<int>(rng() % 7) - 3;
          case 3: return static_cast<int>(rng() % n);
          default: return (rng() % 2) ? -1000 : 1000;
        }
      };
      auto at = [&](int v) {
        ++calls;
        return cdf[v];
      };
      if (dec.DecodeWith(at, precision, n, guess) != s) ++mismatches;
    }
    INFO("guess mode " << mode);
    CHECK(mismatches == 0);
    CHECK_FALSE(dec.corrupt());
    CHECK(dec.position() >= coded.bytes.size());
    // Binary search: 8 calls; an exact guess: 2 (fewer at the ends).
    if (mode == 0 || mode == 4) CHECK(calls == 8 * count);
    if (mode == 1) CHECK(calls <= 2 * count);
    if (mode == 2) CHECK(calls < 8 * count);
  }
}

TEST_CASE("range coder: precision may change from symbol to symbol", "[range_coder]") {
  for (int max_precision : {kRangeCoderNarrowMaxPrecision, kRangeCoderMaxPrecision}) {
    std::mt19937 rng(99);
    std::vector<std::vector<uint32_t>> tables;
    std::vector<int> table_precision;
    for (int p = 12; p <= max_precision; ++p) {
      tables.push_back(RandomCdf(rng, 256, p));
      table_precision.push_back(p);
    }
    std::vector<const std::vector<uint32_t>*> cdfs;
    std::vector<int> precisions, symbols;
    for (int i = 0; i < 20000; ++i) {
      const size_t t = rng() % tables.size();
      cdfs.push_back(&tables[t]);
      precisions.push_back(table_precision[t]);
      symbols.push_back(Sample(rng, tables[t]));
    }
    const Coded coded = EncodeAll(cdfs, precisions, symbols, max_precision);
    RangeDecoder dec(coded.bytes.data(), coded.bytes.size(), max_precision);
    bool all_equal = true;
    for (size_t i = 0; i < symbols.size(); ++i) {
      all_equal &= dec.Decode(cdfs[i]->data(), precisions[i]) == symbols[i];
    }
    INFO("max precision " << max_precision);
    CHECK(all_equal);
    CHECK_FALSE(dec.corrupt());
  }
}

TEST_CASE("range coder: extreme distributions", "[range_coder]") {
  for (int precision = 12; precision <= kRangeCoderMaxPrecision; ++precision) {
    const uint32_t total = uint32_t{1} << precision;
    // Symbol 7 holds all mass but one count per other symbol.
    std::vector<uint32_t> peaked(257);
    for (int s = 0; s <= 256; ++s) peaked[s] = s <= 7 ? s : total - (256 - s);
    REQUIRE(peaked[8] - peaked[7] == total - 255);
    // All 256 symbols equally likely.
    std::vector<uint32_t> flat(257);
    for (int s = 0; s <= 256; ++s) flat[s] = s * (total / 256);

    std::mt19937 rng(precision);
    std::vector<const std::vector<uint32_t>*> cdfs;
    std::vector<int> precisions, symbols;
    // Long runs of the likely symbol, the odd impossible-looking one, the
    // first and last symbols (edge cases of the top-symbol remainder rule).
    for (int i = 0; i < 200000; ++i) {
      const bool rare = rng() % 1000 == 0;
      cdfs.push_back(&peaked);
      symbols.push_back(rare ? static_cast<int>(rng() % 256) : 7);
      precisions.push_back(precision);
      if (i % 5000 == 0) {
        for (int s : {0, 255, 128}) {
          cdfs.push_back(&flat);
          symbols.push_back(s);
          precisions.push_back(precision);
          cdfs.push_back(&peaked);
          symbols.push_back(s);
          precisions.push_back(precision);
        }
      }
    }
    const Coded coded = EncodeAll(cdfs, precisions, symbols, precision);
    RangeDecoder dec(coded.bytes.data(), coded.bytes.size(), precision);
    bool all_equal = true;
    for (size_t i = 0; i < symbols.size(); ++i) {
      all_equal &= dec.Decode(cdfs[i]->data(), precision) == symbols[i];
    }
    INFO("precision " << precision);
    CHECK(all_equal);
    CHECK_FALSE(dec.corrupt());
    // The peaked symbol costs ~ -log2(1 - 255/total) bits; the coder must
    // not add more than a sliver on top.
    CHECK(coded.bytes.size() * 8.0 <= coded.ideal_bits * 1.01 + 64);
  }

  // Equiprobable: exactly 8 bits a symbol, up to the final bytes.
  std::vector<uint32_t> flat(257);
  for (int s = 0; s <= 256; ++s) flat[s] = s * 256;
  std::mt19937 rng(5);
  RangeEncoder enc;
  std::vector<int> symbols;
  for (int i = 0; i < 100000; ++i) {
    symbols.push_back(static_cast<int>(rng() % 256));
    enc.Encode(flat[symbols.back()], flat[symbols.back() + 1], 16);
  }
  enc.Finalize();
  CHECK(enc.bytes().size() <= symbols.size() + 4);
  RangeDecoder dec(enc.bytes().data(), enc.bytes().size());
  bool all_equal = true;
  for (int s : symbols) all_equal &= dec.Decode(flat.data(), 16) == s;
  CHECK(all_equal);
}

TEST_CASE("range coder: long stream is within 0.1% of the ideal size, both widths", "[range_coder]") {
  for (int precision : {kRangeCoderNarrowMaxPrecision, kRangeCoderMaxPrecision}) {
    std::mt19937 rng(2024);
    std::vector<std::vector<uint32_t>> tables;
    for (int t = 0; t < 32; ++t) tables.push_back(RandomCdf(rng, 256, precision));
    // A few skewed tables too: most mass on a handful of symbols, as in images.
    for (int t = 0; t < 8; ++t) {
      std::vector<uint32_t> cdf(257);
      uint32_t acc = 0;
      for (int s = 0; s < 256; ++s) {
        cdf[s] = acc;
        acc += (s % 64 == t) ? 4000 : 1;
      }
      cdf[256] = acc;
      // Total 2^precision exactly: stretch the last symbol.
      cdf[256] = 1u << precision;
      tables.push_back(cdf);
    }
    const int count = 4000000;
    RangeEncoder enc(precision);
    double ideal_bits = 0;
    std::vector<uint16_t> symbols(count);
    std::vector<uint8_t> which(count);
    for (int i = 0; i < count; ++i) {
      which[i] = static_cast<uint8_t>(rng() % tables.size());
      const auto& cdf = tables[which[i]];
      const int s = Sample(rng, cdf);
      symbols[i] = static_cast<uint16_t>(s);
      enc.Encode(cdf[s], cdf[s + 1], precision);
      ideal_bits += IdealBits(cdf, s);
    }
    enc.Finalize();
    const double coded_bits = enc.bytes().size() * 8.0;
    const double overhead = coded_bits / ideal_bits - 1.0;
    WARN("range coder overhead at precision " << precision << " on " << count << " symbols: " << coded_bits << " coded bits vs "
                                    << ideal_bits << " ideal = " << overhead * 100.0 << "% ("
                                    << (coded_bits - ideal_bits) / count << " bits/symbol)");
    CHECK(coded_bits >= ideal_bits - 32);
    CHECK(coded_bits <= ideal_bits * 1.001 + 64);

    RangeDecoder dec(enc.bytes().data(), enc.bytes().size(), precision);
    int mismatches = 0;
    for (int i = 0; i < count; ++i) {
      mismatches += dec.Decode(tables[which[i]].data(), precision) != symbols[i];
    }
    CHECK(mismatches == 0);
    CHECK_FALSE(dec.corrupt());
  }
}

TEST_CASE("range coder: arbitrary and truncated bytes decode safely", "[range_coder]") {
  std::mt19937 rng(7);
  std::vector<uint32_t> cdf = RandomCdf(rng, 256, 16);
  std::vector<uint32_t> peaked(257);
  for (int s = 0; s <= 256; ++s) peaked[s] = s == 0 ? 0 : (1u << 16) - (256 - s);

  // Garbage, including all-0xFF (code value at the very top), in narrow
  // streams at precision 16 and wide ones at 24.
  std::vector<uint32_t> cdf24 = RandomCdf(rng, 256, 24);
  std::vector<uint32_t> peaked24(257);
  for (int s = 0; s <= 256; ++s) peaked24[s] = s == 0 ? 0 : (1u << 24) - (256 - s);
  for (int precision : {16, 24}) {
    int corrupt_seen = 0;
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<uint8_t> bytes(rng() % 64);
      for (auto& b : bytes) b = trial == 0 ? 0xFF : static_cast<uint8_t>(rng());
      RangeDecoder dec(bytes.data(), bytes.size(), precision);
      for (int i = 0; i < 5000; ++i) {
        const std::vector<uint32_t>& c = precision == 16 ? (i % 2 ? cdf : peaked) : (i % 2 ? cdf24 : peaked24);
        const int s = dec.Decode(c.data(), precision);
        REQUIRE(s >= 0);
        REQUIRE(s < 256);
      }
      corrupt_seen += dec.corrupt();
    }
    // All-0xFF is impossible for an encoder to produce.
    INFO("precision " << precision);
    CHECK(corrupt_seen >= 1);
  }

  // Truncations of a real stream: every prefix decodes without incident.
  RangeEncoder enc;
  std::vector<int> symbols;
  for (int i = 0; i < 3000; ++i) {
    symbols.push_back(Sample(rng, cdf));
    enc.Encode(cdf[symbols.back()], cdf[symbols.back() + 1], 16);
  }
  enc.Finalize();
  const auto& full = enc.bytes();
  int prefixes_that_differ = 0;
  for (size_t len = 0; len < full.size(); len += 97) {
    RangeDecoder dec(full.data(), len);
    bool same = true;
    for (int s : symbols) same &= dec.Decode(cdf.data(), 16) == s;
    prefixes_that_differ += !same;
  }
  CHECK(prefixes_that_differ > 0);
}

}  // namespace
}  // namespace picnic
