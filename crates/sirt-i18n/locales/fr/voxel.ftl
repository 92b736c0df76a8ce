# voxel messages (fr)
