// RequestHandler: the slow path of the query workers. The Responder answers
// plain queries itself; messages it diverts (NOTIFY, AXFR/IXFR, TSIG-signed
// queries, EDNS EXPIRE queries) go to this interface, implemented by the
// server's transfer side. Called from worker threads: implementations must be
// thread-safe and must not block (a transfer out runs on its own thread after
// the worker handed the connection over).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "net/address.h"
#include "server/responder.h"

namespace tandem::server {

// A TCP connection handed from a worker to the transfer side, with whatever
// the worker still held for it.
struct Handoff {
  int fd = -1;                        // now owned by the receiver
  net::SocketAddress peer;
  std::vector<uint8_t> request;       // the AXFR/IXFR message (no length prefix)
  std::vector<uint8_t> unsent;        // earlier answers not yet written, with their prefixes
  std::vector<uint8_t> unread;        // bytes received after the request (pipelined queries)
  std::shared_ptr<void> decision;     // what handle() decided, for take_connection()
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;

  enum class Outcome {
    kAnswered,  // *answer_size bytes of answer are in `out`
    kDrop,      // send nothing
    kHandoff,   // TCP only: hand the connection over with take_connection()
  };

  // Decides on a diverted message from `peer`. For kHandoff, fills
  // handoff->decision (the worker fills the rest).
  virtual Outcome handle(std::span<const uint8_t> message, const net::SocketAddress& peer,
                         Transport transport, uint8_t* out, size_t cap, size_t* answer_size,
                         Handoff* handoff) = 0;

  // Takes over a connection after kHandoff. Never blocks the worker.
  virtual void take_connection(Handoff handoff) = 0;
};

}  // namespace tandem::server
