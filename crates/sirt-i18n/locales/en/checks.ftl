# checks messages (en)
