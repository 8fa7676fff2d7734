#include "picnic/status.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

namespace picnic {
namespace {

TEST_CASE("status: names are distinct and ToString reads well", "[status]") {
  std::set<std::string> names;
  for (int c = 0; c <= static_cast<int>(StatusCode::kInternal); ++c) {
    names.insert(StatusCodeName(static_cast<StatusCode>(c)));
  }
  CHECK(names.size() == static_cast<size_t>(StatusCode::kInternal) + 1);
  CHECK(Status::Ok().ToString() == "ok");
  CHECK(Status(StatusCode::kTruncated, "tile 3 ends early").ToString() ==
        "truncated: tile 3 ends early");
}

Result<int> Half(int x) {
  if (x % 2) return Status(StatusCode::kInvalidArgument, "odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  PICNIC_ASSIGN_OR_RETURN(int h, Half(x));
  PICNIC_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::Ok();
}

TEST_CASE("status: Result and the macros", "[status]") {
  int q = 0;
  CHECK(Quarter(8, &q).ok());
  CHECK(q == 2);
  CHECK(Quarter(6, &q).code() == StatusCode::kInvalidArgument);
  Result<int> r = Half(4);
  CHECK(r.ok());
  CHECK(r.status().ok());
  CHECK(*r == 2);
  const Result<int>& cr = r;
  CHECK(*cr == 2);
  CHECK(*Half(10) == 5);  // dereferencing a temporary
  Result<std::string> text = std::string("abc");
  std::string moved = *std::move(text);
  CHECK(moved == "abc");
}

}  // namespace
}  // namespace picnic
