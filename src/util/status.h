// Status and Result<T>: how expected failures (bad input, missing index, I/O) travel.
// Exceptions are used only at boundaries (CLI main, servers); library code returns these.
#pragma once
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace pampax {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // the caller asked for something malformed
  kNotFound,         // a path, index or record does not exist
  kIoError,          // the OS refused a read/write
  kCorrupt,          // on-disk data is damaged or foreign
  kUnsupported,      // valid request we cannot serve (e.g. schema from a newer pampax)
  kInternal,         // a bug: an invariant did not hold
  kCancelled,        // the caller asked the operation to stop (work done so far is kept)
};

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // A complete sentence for a human: what was wrong and, where known, what to do.
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
inline Status Corrupt(std::string m) { return {Code::kCorrupt, std::move(m)}; }
inline Status Unsupported(std::string m) { return {Code::kUnsupported, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }

// A value or the Status explaining why there is none.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}                // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return v_.index() == 0; }
  // REQUIRES: ok()
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  // REQUIRES: !ok()
  const Status& status() const { return std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace pampax

#define PAMPAX_RETURN_IF_ERROR(expr)        \
  do {                                      \
    ::pampax::Status _st = (expr);          \
    if (!_st.ok()) return _st;              \
  } while (0)
