namespace th { void probe_placeholder() {} }
