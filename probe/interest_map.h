// What the loader writes into the probe's interest map: th::Interest (from the compiled rules)
// encoded as struct th_interest (probe/tracehound.h), read by probe/interest_filter.h.
#pragma once

#include "engine/core/evt_type.h"
#include "engine/core/interest.h"
#include "probe/tracehound.h"

namespace th::probe {

// The syscall behind an evt.type (th_syscall); TH_SC_NONE for procexit.
th_syscall evt_type_syscall(EvtType type);

th_interest encode_interest(const Interest& interest);

}  // namespace th::probe
