#pragma once

namespace ringkv {

inline constexpr const char* kRingkvVersion = "0.1.0";
// The Redis version whose behaviour ringkv follows; HELLO and INFO report it as redis_version so
// that clients enable the features they would for that Redis.
inline constexpr const char* kRedisCompatVersion = "7.0.15";

}  // namespace ringkv
