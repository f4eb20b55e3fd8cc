# Empty dependencies file for rnnc.
# This may be replaced when dependencies are built.
