"""The rules: who may do what and in what order the stores are written. No HTTP here."""
