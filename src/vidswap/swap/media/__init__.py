"""Media input and output for the swap engine: sniffing, images, streamed video, labels.

Video is read and written one frame at a time, so memory use does not grow with
the length of the video.
"""
