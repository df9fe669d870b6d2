#pragma once
// Status: the result of an operation that can fail in an expected way.
//
// A Status carries a code and a message. OK carries neither and costs one byte plus an empty
// std::string (no allocation). Codes that reach a client map to a RESP error prefix through
// ErrorPrefix(); the message is the text after the prefix, e.g. Status::Err("syntax error")
// becomes "-ERR syntax error". Not thread-safe to share a single instance; copy it instead.

#include <string>
#include <string_view>
#include <utility>

namespace ringkv {

enum class Code : unsigned char {
  kOk = 0,
  kNotFound,         // storage: key absent or expired
  kErr,              // -ERR
  kWrongType,        // -WRONGTYPE
  kNoAuth,           // -NOAUTH
  kWrongPass,        // -WRONGPASS
  kNoProto,          // -NOPROTO
  kCrossSlot,        // -CROSSSLOT
  kTryAgain,         // -TRYAGAIN
  kClusterDown,      // -CLUSTERDOWN
  kExecAbort,        // -EXECABORT
  kIOError,          // storage / system failure, reported as -ERR
  kCorruption,       // stored bytes not in our format, reported as -ERR
  kInvalidArgument,  // internal misuse, reported as -ERR
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string msg) : code_(code), msg_(std::move(msg)) {}

  static Status OK() { return Status(); }
  static Status NotFound(std::string msg = {}) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Err(std::string msg) { return Status(Code::kErr, std::move(msg)); }
  static Status WrongType();
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  Code code() const { return code_; }
  const std::string& message() const { return msg_; }

  // "PREFIX message" as it goes after the '-' of a RESP error (CR/LF are replaced by the writer).
  std::string ToReplyText() const;
  // Human-readable form for logs: "IOError: disk full".
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string msg_;
};

// The RESP error prefix for a code: "ERR", "WRONGTYPE", "CROSSSLOT", ... The single place that maps
// codes to prefixes.
std::string_view ErrorPrefix(Code code);

}  // namespace ringkv
