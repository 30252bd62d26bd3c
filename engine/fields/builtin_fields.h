// The groups of fields that make up FieldRegistry::builtin(). Each group lives in its own file.
#pragma once

#include <vector>

#include "engine/fields/field.h"

namespace th {

void add_event_fields(std::vector<FieldDef>& out);    // evt.*, fd.*
void add_process_fields(std::vector<FieldDef>& out);  // proc.*, thread.*, user.*, container.*
void add_target_fields(std::vector<FieldDef>& out);   // target.*
void add_injection_fields(std::vector<FieldDef>& out);  // ptrace.*, vm.*
void add_fileless_fields(std::vector<FieldDef>& out);   // exec: code from inherited descriptors
void add_host_file_fields(std::vector<FieldDef>& out);  // is the executable the host's file

}  // namespace th
