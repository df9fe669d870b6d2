#pragma once
// One client connection on one worker loop: socket, query buffer (the RESP parser), reply buffer.
//
// Replies leave strictly in request order: every command of a read is dispatched in order and its
// reply appended to out_; one write per read batch carries them all (natural pipelining). When a
// command's reply comes later (forwarded to a peer), it gets a slot in slots_, and every reply
// after it waits in its own slot until the slots before it are filled (DESIGN invariant 1).
// Ownership: the Worker owns every Connection of its loop; a Connection deletes itself in the
// uv_close callback and unregisters from the ClientRegistry first. Not thread-safe: everything
// here runs on the owning worker's loop thread (other threads only set client_.kill_requested).

#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "net/client_state.h"
#include "resp/parser.h"
#include "resp/writer.h"
#include "routing/router.h"

namespace ringkv {

class Worker;

class Connection : public ReplyDeferrer {
 public:
  explicit Connection(Worker* worker);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_tcp_t* handle() { return &handle_; }
  ClientState& client() { return client_; }

  // Called once after uv_accept succeeded: registers the client and starts reading.
  void Start();
  // Sends `error_line` (a complete "-ERR ...\r\n") and closes once it is written.
  void RejectAndClose(std::string_view error_line);
  // Closes now, dropping unsent output. Idempotent.
  void Close();
  bool closing() const { return closing_; }
  // Cron (once a second): idle timeout, output-buffer soft limit, kill requests.
  void Cron(int64_t now_ms);
  // Sends what waited for the worker's group commit (group_commit.h).
  void FlushAfterCommit();
  // ReplyDeferrer: reserves the current command's reply position.
  Completion Defer() override;
  // A blocked command of this client was woken (blocking.h); loop thread.
  void OnBlockedWake(const std::shared_ptr<Waiter>& w);

  // Intrusive list of the worker's connections.
  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* h);

  struct Slot {
    std::string data;
    bool done = false;
  };

  void ProcessInput();
  // Blocking commands (blocking.h): park the command that just blocked; run it again after a
  // wake-up or its timeout; finish it with its reply.
  void ParkBlocked();
  void RetryBlocked(bool timed_out);
  void FinishBlocked(std::string_view reply);
  void StopBlockTimer();
  static void OnBlockTimer(uv_timer_t* t);
  // Fills slot `seq` and moves every leading filled slot to out_.
  void Complete(uint64_t seq, std::string_view reply);
  void Flush();
  // Enforces client-output-buffer-limit (and the pre-AUTH cap). Returns false if it closed.
  bool CheckOutputLimits(int64_t now_ms);
  size_t PendingOutput() const { return out_.size() + inflight_.size(); }

  Worker* worker_;
  uv_tcp_t handle_;
  uv_write_t write_req_;
  resp::Parser parser_;
  std::vector<std::string_view> argv_;
  std::string out_;       // replies not yet handed to the kernel
  std::string inflight_;  // bytes owned by the uv_write in flight
  resp::ReplyWriter writer_;
  // Replies waiting behind a deferred one; slots_.front() has sequence number slots_base_.
  std::deque<Slot> slots_;
  uint64_t slots_base_ = 0;
  std::string scratch_;  // a synchronous reply produced while slots are waiting
  // Completions hold this; it is cleared when the connection closes, so a late reply never
  // touches a freed connection (DESIGN invariant 4).
  std::shared_ptr<Connection*> self_ref_;
  ClientState client_;
  bool writing_ = false;
  bool closing_ = false;
  bool close_after_write_ = false;
  bool registered_ = false;
  bool waiting_for_commit_ = false;  // handed to Worker::WaitForCommit
  int64_t soft_limit_since_ms_ = 0;
  // While a blocking command waits: its arguments, its reply's slot, its timer (heap-allocated,
  // freed by its close callback). Further commands of this client wait in the parser.
  bool blocked_ = false;
  std::vector<std::string> blocked_argv_;
  Completion blocked_done_;
  uv_timer_t* block_timer_ = nullptr;
};

}  // namespace ringkv
