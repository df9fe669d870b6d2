// ringkv-server: parse the command line like redis-server, start the server, wait for shutdown.

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "config.h"
#include "log.h"
#include "net/server.h"
#include "version.h"

namespace {

void PrintUsage() {
  std::printf(
      "Usage: ringkv-server [/path/to/ringkv.conf] [options] [-]\n"
      "       ringkv-server -v or --version\n"
      "       ringkv-server -h or --help\n"
      "\n"
      "A Redis-compatible key-value server that stores its data in RocksDB.\n"
      "Options are redis.conf directives written as --name value; they apply after the file.\n"
      "\n"
      "Common options (defaults in brackets):\n"
      "  --port N                      TCP port [6379]; 0 picks a free one\n"
      "  --bind ADDR [ADDR ...]        addresses to listen on; '-' prefix = optional\n"
      "                                [127.0.0.1 -::1]\n"
      "  --protected-mode yes|no       refuse non-loopback clients without a password [yes]\n"
      "  --requirepass PASS            require AUTH PASS (or HELLO 3 AUTH default PASS)\n"
      "  --dir PATH                    RocksDB data directory [./data]\n"
      "  --appendfsync always|everysec|no\n"
      "                                WAL sync policy: always = synced before the reply;\n"
      "                                everysec = synced every second [everysec]\n"
      "  --threads N                   worker loops; 0 = number of cores [0]\n"
      "  --maxclients N                [10000]\n"
      "  --timeout SECONDS             close idle clients; 0 = never [0]\n"
      "  --proto-max-bulk-len BYTES    largest accepted argument [512mb]\n"
      "  --client-query-buffer-limit BYTES [1gb]\n"
      "  --client-output-buffer-limit 'normal HARD SOFT SECONDS' [normal 0 0 0]\n"
      "  --loglevel debug|verbose|notice|warning [notice]\n"
      "  --logfile PATH                log to a file instead of stdout\n"
      "  --rocksdb-block-cache-size BYTES [256mb]\n"
      "  --rocksdb-write-buffer-size BYTES [16mb]\n"
      "  --rocksdb-bloom-bits N        bloom filter bits per key [10]\n"
      "  --rocksdb-ttl-check-seconds N how often expired data on disk is looked for [60]\n"
      "  --databases N                 number of databases, SELECT 0..N-1 (at most 256) [16]\n"
      "  --hash-max-listpack-entries N, --set-max-intset-entries N, --zset-max-listpack-entries N,\n"
      "  --*-max-listpack-value BYTES  what OBJECT ENCODING reports, as in Redis [128 512 128 64]\n"
      "\n"
      "Cluster (every node gets the same --cluster-nodes list):\n"
      "  --cluster-myself ID           this node's id\n"
      "  --cluster-nodes LIST          id@host:port,id@host:port,...\n"
      "  --cluster-vnodes N            virtual nodes per node on the ring [256]\n"
      "  --cluster-forward-timeout MS  bound on a forwarded command [1000]\n"
      "  --cluster-peer-connections N  connections per peer and worker [1]\n"
      "\n"
      "Examples:\n"
      "  ringkv-server --port 7000 --dir /var/lib/ringkv\n"
      "  ringkv-server /etc/ringkv.conf --loglevel verbose\n"
      "  ringkv-server --port 7001 --cluster-myself n1 \\\n"
      "      --cluster-nodes n1@127.0.0.1:7001,n2@127.0.0.1:7002,n3@127.0.0.1:7003\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ringkv;
  if (argc >= 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    PrintUsage();
    return 0;
  }
  if (argc >= 2 && (std::strcmp(argv[1], "-v") == 0 || std::strcmp(argv[1], "--version") == 0)) {
    std::printf("ringkv-server v=%s (redis compatibility %s)\n", kRingkvVersion,
                kRedisCompatVersion);
    return 0;
  }

  Config config;
  Status st = config.LoadFromArgs(argc, argv);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  SetLogLevel(ParseLogLevel(config.loglevel));
  if (!SetLogFile(config.logfile)) {
    std::fprintf(stderr, "Can't open the log file: %s\n", config.logfile.c_str());
    return 1;
  }

  Server server(&config);
  st = server.Start();
  if (!st.ok()) {
    RINGKV_LOG(kWarning, "%s", st.message().c_str());
    return 1;
  }
  if (!config.pidfile.empty()) {
    std::ofstream(config.pidfile) << getpid() << "\n";
  }
  RINGKV_LOG(kNotice, "ringkv %s (redis %s compatible) started, pid=%d", kRingkvVersion,
             kRedisCompatVersion, static_cast<int>(getpid()));
  RINGKV_LOG(kNotice, "Data directory %s, appendfsync %s, %d worker threads", config.dir.c_str(),
             config.appendfsync.c_str(), server.state().worker_threads);
  RINGKV_LOG(kNotice, "Ready to accept connections tcp on port %d", server.port());
  server.Run();
  if (!config.pidfile.empty()) unlink(config.pidfile.c_str());
  return 0;
}
