# Empty dependencies file for rnnc_core.
# This may be replaced when dependencies are built.
