// Where alerts go once the rules and the session folding have produced them. The detector calls
// emit() on its own thread and must never block on delivery: implementations queue.
#pragma once

#include "engine/core/alert.h"

namespace th {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void emit(const Alert& alert) = 0;
};

}  // namespace th
