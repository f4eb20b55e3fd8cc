file(REMOVE_RECURSE
  "librnnc_core.a"
)
