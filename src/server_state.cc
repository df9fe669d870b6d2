#include "server_state.h"

namespace ringkv {

void ClientRegistry::Add(ClientState* c, std::function<void()> wake) {
  std::lock_guard<std::mutex> g(mu_);
  clients_[c->id] = {c, std::move(wake)};
}

void ClientRegistry::Remove(ClientState* c) {
  std::lock_guard<std::mutex> g(mu_);
  clients_.erase(c->id);
}

size_t ClientRegistry::Count() const {
  std::lock_guard<std::mutex> g(mu_);
  return clients_.size();
}

void ClientRegistry::ForEach(const std::function<void(ClientState&)>& fn) const {
  std::lock_guard<std::mutex> g(mu_);
  for (const auto& [id, entry] : clients_) fn(*entry.first);
}

size_t ClientRegistry::Kill(const std::function<bool(ClientState&)>& pred) {
  std::lock_guard<std::mutex> g(mu_);
  size_t n = 0;
  for (const auto& [id, entry] : clients_) {
    if (!pred(*entry.first)) continue;
    entry.first->kill_requested = true;
    if (entry.second) entry.second();
    ++n;
  }
  return n;
}

}  // namespace ringkv
