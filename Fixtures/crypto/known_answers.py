"""Recomputes the known-answer vectors in Tests/DarkroomCryptoTests with implementations
independent of libsodium: OpenSSL (through `cryptography`) for ChaCha20-Poly1305, Ed25519,
X25519 and Argon2id, CPython's hashlib for BLAKE2b, and a small HChaCha20 written here
from draft-irtf-cfrg-xchacha-03 section 2.2 to turn ChaCha20-Poly1305 into XChaCha20-Poly1305.
Run: python3 Fixtures/crypto/known_answers.py
"""
import struct, hashlib
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives import serialization
def rotl(v,c): return ((v<<c)&0xffffffff)|(v>>(32-c))
def qr(s,a,b,c,d):
    s[a]=(s[a]+s[b])&0xffffffff; s[d]=rotl(s[d]^s[a],16)
    s[c]=(s[c]+s[d])&0xffffffff; s[b]=rotl(s[b]^s[c],12)
    s[a]=(s[a]+s[b])&0xffffffff; s[d]=rotl(s[d]^s[a],8)
    s[c]=(s[c]+s[d])&0xffffffff; s[b]=rotl(s[b]^s[c],7)
def hchacha(key, n16):
    s=[0x61707865,0x3320646e,0x79622d32,0x6b206574]+list(struct.unpack('<8I',key))+list(struct.unpack('<4I',n16))
    for _ in range(10):
        qr(s,0,4,8,12);qr(s,1,5,9,13);qr(s,2,6,10,14);qr(s,3,7,11,15)
        qr(s,0,5,10,15);qr(s,1,6,11,12);qr(s,2,7,8,13);qr(s,3,4,9,14)
    return struct.pack('<8I',*(s[0:4]+s[12:16]))
def xseal(key,nonce,pt,ad):
    sub=hchacha(key,nonce[:16])
    return ChaCha20Poly1305(sub).encrypt(b'\0'*4+nonce[16:],pt,ad)
key=bytes(range(0x80,0xa0)); nonce=bytes(range(0x40,0x58)); ad=bytes.fromhex('50515253c0c1c2c3c4c5c6c7')
pt=b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."
ct=xseal(key,nonce,pt,ad)
print('xchacha draft A.3.1 ct+tag', ct.hex())
# own vector: empty plaintext, empty AD
k2=bytes([7]*32); n2=bytes(range(24))
print('xchacha empty', xseal(k2,n2,b'',b'').hex())
print('xchacha short', xseal(k2,n2,b'darkroom',b'header').hex())
# Ed25519 RFC 8032 test 1,2 recomputed
for sk in ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60','4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb']:
    k=Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sk))
    pk=k.public_key().public_bytes(serialization.Encoding.Raw,serialization.PublicFormat.Raw)
    msg=b'' if sk.startswith('9d') else bytes.fromhex('72')
    print('ed', pk.hex(), k.sign(msg).hex())
# X25519 RFC 7748 6.1
a=X25519PrivateKey.from_private_bytes(bytes.fromhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'))
print('x25519 pub', a.public_key().public_bytes(serialization.Encoding.Raw,serialization.PublicFormat.Raw).hex())
print('blake2b abc', hashlib.blake2b(b'abc').hexdigest())
print('blake2b-256 empty', hashlib.blake2b(b'',digest_size=32).hexdigest())
print('blake2b keyed', hashlib.blake2b(b'darkroom',digest_size=32,key=bytes(range(32))).hexdigest())
print('blake2b-16 keyed64', hashlib.blake2b(bytes(range(100)),digest_size=16,key=bytes(range(64))).hexdigest())
salt=bytes(range(16))
print('argon2id', Argon2id(salt=salt,length=32,iterations=2,lanes=1,memory_cost=64).derive(b'correct horse battery staple').hex())
print('argon2id2', Argon2id(salt=bytes([0xaa]*16),length=32,iterations=3,lanes=1,memory_cost=256).derive('pässwörd'.encode()).hex())
