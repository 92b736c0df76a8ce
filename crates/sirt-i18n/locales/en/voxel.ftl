# voxel messages (en)
