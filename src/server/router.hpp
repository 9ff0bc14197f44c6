// Request routing: looks at the method and target of a parsed request and fills the
// connection's Reply. Plain string comparisons on the target (no regex, no allocation); the
// sandboxed route writes the guest's body straight into the reply.
#pragma once

namespace forkbox::server {

class Connection;

// Fills c.reply() and returns true, or returns false when the answer comes later (a blocking
// sandbox or a reload running elsewhere), in which case c.complete() is called on the
// connection's loop once c.reply() is filled.
[[nodiscard]] bool route_request(Connection& c);

}  // namespace forkbox::server
