// container.name and container.image, rendered alike for the acting process and for the target.
#pragma once

#include "engine/core/event.h"
#include "engine/fields/field.h"

namespace th {

// Of process `p` (the actor or the target), from the runtime's answers
// (engine/proc/container_registry.h): outside containers the name is `host` and the image empty,
// as in Falco; inside, both are empty until the runtime answered, and always without a table.
void push_container_name(const Event& e, const Process& p, Values& out);
void push_container_image(const Event& e, const Process& p, Values& out);

}  // namespace th
