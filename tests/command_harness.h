#pragma once
// In-process command runner for tests: a full CommandTable and the real Dispatch over a
// MemoryStorage, with a fake clock. Run() returns the raw RESP bytes of the reply.
//   CommandHarness h;
//   EXPECT_EQ(h.Run({"set", "k", "v"}), "+OK\r\n");
// Run() may be called from several threads at once with different clients (NewClient()).

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "commands/dispatch.h"
#include "server_state.h"
#include "storage/memory_storage.h"
#include "storage/storage.h"

namespace ringkv {

class CommandHarness {
 public:
  CommandHarness() {
    fake_now_ms() = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    storage::SetClockForTest(&FakeClock);
    storage_ = storage::NewMemoryStorage();
    table_ = CommandTable::CreateDefault();
    server_.config = &config_;
    server_.storage = storage_.get();
    server_.table = table_.get();
    server_.start_time_ms = static_cast<int64_t>(fake_now_ms().load());
    client_ = NewClient();
  }
  ~CommandHarness() { storage::SetClockForTest(nullptr); }

  std::unique_ptr<ClientState> NewClient() {
    auto c = std::make_unique<ClientState>();
    c->id = server_.next_client_id.fetch_add(1);
    c->authenticated = config_.requirepass.empty();
    return c;
  }

  std::string Run(const std::vector<std::string>& argv) { return Run(*client_, argv); }
  std::string Run(ClientState& client, const std::vector<std::string>& argv) {
    std::string out;
    resp::ReplyWriter writer(&out, client.proto);
    ArgList args(argv.begin(), argv.end());
    Dispatch(server_, client, args, &writer);
    return out;
  }

  void SetProto(int proto) { client_->proto = proto; }
  void AdvanceClockMs(uint64_t ms) { fake_now_ms() += ms; }
  uint64_t NowMs() const { return fake_now_ms().load(); }

  ServerState& server() { return server_; }
  ClientState& client() { return *client_; }
  Config& config() { return config_; }
  storage::Storage& storage() { return *storage_; }

 private:
  static std::atomic<uint64_t>& fake_now_ms() {
    static std::atomic<uint64_t> now{0};
    return now;
  }
  static uint64_t FakeClock() { return fake_now_ms().load(); }

  Config config_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<CommandTable> table_;
  ServerState server_;
  std::unique_ptr<ClientState> client_;
};

}  // namespace ringkv
