#include "status.h"

#include "errors.h"

namespace ringkv {

Status Status::WrongType() { return Status(Code::kWrongType, std::string(errors::kWrongType)); }

std::string_view ErrorPrefix(Code code) {
  switch (code) {
    case Code::kWrongType:
      return "WRONGTYPE";
    case Code::kNoAuth:
      return "NOAUTH";
    case Code::kWrongPass:
      return "WRONGPASS";
    case Code::kNoProto:
      return "NOPROTO";
    case Code::kCrossSlot:
      return "CROSSSLOT";
    case Code::kTryAgain:
      return "TRYAGAIN";
    case Code::kClusterDown:
      return "CLUSTERDOWN";
    case Code::kExecAbort:
      return "EXECABORT";
    default:
      return "ERR";
  }
}

std::string Status::ToReplyText() const {
  std::string out(ErrorPrefix(code_));
  out += ' ';
  out += msg_;
  return out;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  static constexpr const char* kNames[] = {"OK",         "NotFound",       "Err",       "WrongType",
                                           "NoAuth",     "WrongPass",      "NoProto",   "CrossSlot",
                                           "TryAgain",   "ClusterDown",    "ExecAbort", "IOError",
                                           "Corruption", "InvalidArgument"};
  return std::string(kNames[static_cast<int>(code_)]) + ": " + msg_;
}

}  // namespace ringkv
