// Where alerts go once the rules and the session folding have produced them: part of the alert
// model, so that the detector needs no output code. The detector calls emit() on its own thread
// and must never block on delivery: implementations (engine/output) queue.
#pragma once

#include "engine/core/alert.h"

namespace th {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void emit(const Alert& alert) = 0;
};

}  // namespace th
