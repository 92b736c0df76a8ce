# checks messages (fr)
