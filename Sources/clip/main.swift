import CLIP
print("placeholder")
