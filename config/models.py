# No models. This module exists so Django sends post_migrate for the config
# app, which creates the cache table and applies the schedules (config.apps).
