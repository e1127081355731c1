// Package jwt measures backendkit/jwtdemo against golang-jwt/jwt/v5 on the
// same HS256 claims, key and instant, with the bare HMAC over the same
// bytes as the floor neither can go below.
package jwt
