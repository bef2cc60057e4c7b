// Invariant checks that stay on in release builds. Debian's abseil has no
// ABSL_CHECK, so the hub carries these two macros of its own.
#pragma once

#include <cstdio>
#include <cstdlib>

#define HUB_CHECK(cond)                                                     \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                  \
      std::abort();                                                         \
    }                                                                       \
  } while (0)

#define HUB_CHECK_OK(status_expr)                                           \
  do {                                                                      \
    const auto& hub_check_status_ = (status_expr);                          \
    if (!hub_check_status_.ok()) {                                          \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                   hub_check_status_.ToString().c_str());                   \
      std::abort();                                                         \
    }                                                                       \
  } while (0)
