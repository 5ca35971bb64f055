// Result<T>: a value or a non-OK Status (g++ 12's C++20 has no std::expected).
//
// Construct from a T on success or from a non-OK Status on failure. Accessing
// value() of a failed Result is a bug and throws std::logic_error carrying the
// status message, so the failure is never silent.
#pragma once

#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/status.h"

namespace qoima {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result built from an OK status without a value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }

  /// The error; Status::Ok() when the result holds a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & {
    Check();
    return std::get<T>(v_);
  }
  const T& value() const& {
    Check();
    return std::get<T>(v_);
  }
  T&& value() && {
    Check();
    return std::get<T>(std::move(v_));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void Check() const {
    if (!ok()) throw std::logic_error("value() of failed Result: " + std::get<Status>(v_).ToString());
  }
  std::variant<T, Status> v_;
};

}  // namespace qoima

/// Evaluates `rexpr` (a Result); on failure returns its Status from the
/// enclosing function, otherwise moves the value into `lhs`.
#define QOIMA_ASSIGN_OR_RETURN(lhs, rexpr) \
  QOIMA_ASSIGN_OR_RETURN_IMPL_(QOIMA_CONCAT_(qoima_result_, __LINE__), lhs, rexpr)
#define QOIMA_CONCAT_INNER_(a, b) a##b
#define QOIMA_CONCAT_(a, b) QOIMA_CONCAT_INNER_(a, b)
#define QOIMA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
