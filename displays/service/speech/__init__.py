"""Readout audio: the engine protocol, the voices (eSpeak NG, Piper), encoding, the audio cache
and the queue with a lane for the pillars' own readouts."""
