// Which member of a consumer group receives the next event: round robin from
// `start` over the members whose filters match, skipping members with a full
// queue while another matching member has room. When every matching member
// is full the first of them is picked (the event is dropped and counted
// there, so the loss shows in that member's `sequence`). Pure, so the policy
// is unit-tested apart from gRPC.
#pragma once

#include <cstddef>
#include <optional>

namespace hub::api {

template <typename Matches, typename HasRoom>
std::optional<size_t> PickGroupMember(size_t count, size_t start, Matches matches, HasRoom has_room) {
  std::optional<size_t> first_full;
  for (size_t step = 0; step < count; ++step) {
    const size_t index = (start + step) % count;
    if (!matches(index)) continue;
    if (has_room(index)) return index;
    if (!first_full) first_full = index;
  }
  return first_full;
}

}  // namespace hub::api
